package io.frameguard.frames;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import ch.randelshofer.fastdoubleparser.JavaFloatParser;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.apache.kafka.common.header.Headers;

/**
 * {@code application/json}: an object with a {@code values} array of numbers; other fields are ignored.
 *
 * <p>Two readers, one result. The frame as producers write it, {@code {"values":[...]}} and nothing else (any
 * whitespace), is read byte by byte, each number in one pass: its JSON grammar checked, its value computed here
 * when exact arithmetic allows and by FastDoubleParser otherwise ({@link #values}), straight into the batch buffer.
 * Anything else (other fields, an escaped key, nesting, a number that is not strict JSON or longer than Jackson allows,
 * trailing content) makes that reader give up, and Jackson's token stream reads the frame from the start, with its
 * limits on depth and number length and its error messages. So the fast reader accepts only frames Jackson accepts,
 * with the same values, and never reports an error itself.
 */
public final class JsonFrameDecoder implements FrameDecoder {

    public static final String CONTENT_TYPE = "application/json";
    static final String VALUES_FIELD = "values";

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            // NaN and Infinity are read, to be refused as a non-finite value naming the value (strict JSON has neither)
            .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    @Override
    public List<String> contentTypes() {
        return List.of(CONTENT_TYPE, "text/json");
    }

    /** What {@link #readSimple} returns when the frame is not the one simple shape. */
    static final int NOT_SIMPLE = -1;
    /** Longest number the fast reader takes: Jackson's default limit (StreamReadConstraints), which reports longer ones. */
    static final int MAX_NUMBER_CHARS = 1000;
    private static final byte[] VALUES_KEY = "\"values\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    @Override
    public void decode(String contentType, ByteBuffer payload, Headers headers, float[] dest, int offset, FrameShape shape)
            throws FrameDecodeException {
        int dim = shape.dim();
        ByteRange frame = ByteRange.of(payload);
        int n = readSimple(frame.bytes(), frame.from(), frame.to(), dest, offset, dim);
        if (n == NOT_SIMPLE) {
            decodeGeneral(frame.bytes(), frame.from(), frame.length(), dest, offset, dim);
        } else if (n != dim) {
            throw wrongDimension(n, dim);
        }
    }

    /**
     * Reads the frame {@code b[from .. end)} if it is {@code {"values":[n, ...]}} (JSON whitespace anywhere between
     * tokens) into {@code dest}: at most {@code dim}
     * values, the count of all of them returned, or {@link #NOT_SIMPLE} for anything else (valid or not).
     */
    static int readSimple(byte[] b, int from, int end, float[] dest, int offset, int dim) {
        int i = skipWhitespace(b, from, end);
        if (i >= end || b[i] != '{') {
            return NOT_SIMPLE;
        }
        i = skipWhitespace(b, i + 1, end);
        if (!java.util.Arrays.equals(b, i, Math.min(end, i + VALUES_KEY.length), VALUES_KEY, 0, VALUES_KEY.length)) {
            return NOT_SIMPLE;
        }
        i = skipWhitespace(b, i + VALUES_KEY.length, end);
        if (i >= end || b[i] != ':') {
            return NOT_SIMPLE;
        }
        i = skipWhitespace(b, i + 1, end);
        if (i >= end || b[i] != '[') {
            return NOT_SIMPLE;
        }
        return values(b, skipWhitespace(b, i + 1, end), end, dest, offset, dim);
    }

    /** Exact powers of ten as doubles: 10^0 .. 10^22 (Clinger's fast path). */
    private static final double[] POW10 = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14,
            1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    /** Significands below this are exact doubles. */
    private static final long EXACT_DOUBLE = 1L << 53;
    /** The bits a double has beyond a float's significand, and the value they take at a midpoint between two floats. */
    private static final long BELOW_FLOAT_BITS = (1L << 29) - 1;
    private static final long FLOAT_MIDPOINT = 1L << 28;

    /** Digits a significand may have and stay exact in a long (and be checked against 2^53); a fraction of at most 17. */
    private static final int MAX_FAST_DIGITS = 18;

    /**
     * The rest of {@link #readSimple}'s frame from just inside the array's {@code [}: each number, the separators, the
     * closing brackets. A number must be strict JSON ({@code -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?}, at most
     * {@link #MAX_NUMBER_CHARS} characters); it is read in one pass and the float nearest to it, as Java (and Jackson)
     * round it, goes to {@code dest} (the first {@code dim} of them). The numbers producers write, with no exponent and
     * at most {@value #MAX_FAST_DIGITS} digits, take Clinger's fast path: the significand and the power of ten are exact
     * doubles, so one division gives the correctly rounded double, and rounding that to float gives the correctly
     * rounded float unless the double lies exactly halfway between two floats (its own rounding may have moved it
     * there); that case, an exponent and longer numbers go to {@link #nearestFloat} or FastDoubleParser. A fraction's
     * first eight digits (a float's shortest text has at most nine significant ones) are found and combined from one
     * eight-byte word with no branch per digit, where eight bytes remain in the frame; the sign takes no branch either
     * (producers' signs are as random as their data).
     *
     * <p>The number is read here, in the loop, not by a method of its own: that method was too large for the JIT to
     * inline into the loop (what that cost: docs/BENCHMARKS.md, "JSON frame parsing").
     */
    private static int values(byte[] b, int i, int end, float[] dest, int offset, int dim) {
        int n = 0;
        if (i < end && b[i] == ']') {
            return closed(b, i + 1, end, n);
        }
        while (true) {
            int start = i;
            int sign = i < end && b[i] == '-' ? 1 : 0;
            i += sign;
            if (i >= end) {
                return NOT_SIMPLE;
            }
            byte c = b[i];
            if (c < '0' || c > '9') {
                return NOT_SIMPLE;
            }
            long significand = c - '0';
            int digits = 1;
            i++;
            if (c != '0') {
                for (; i < end && (c = b[i]) >= '0' && c <= '9'; i++, digits++) {
                    significand = significand * 10 + (c - '0');
                }
            }
            int scale = 0;
            if (i < end && b[i] == '.') {
                int fraction = ++i;
                if (i <= end - Long.BYTES) { // up to eight digits at once (what producers write), the rest one by one
                    long word = (long) LONGS.get(b, i);
                    int run = leadingDigits(word);
                    significand = significand * LONG_POW10[run] + digitsValue(word, run);
                    i += run;
                }
                for (; i < end && (c = b[i]) >= '0' && c <= '9'; i++) {
                    significand = significand * 10 + (c - '0');
                }
                scale = i - fraction;
                if (scale == 0) {
                    return NOT_SIMPLE;
                }
                digits += scale;
            }
            int at = n < dim ? offset + n : -1;
            if (i < end && ((c = b[i]) == 'e' || c == 'E')) {
                i = withExponent(b, start, i + 1, end, dest, at, sign, digits <= MAX_FAST_DIGITS ? significand : -1, scale);
                if (i < 0) {
                    return NOT_SIMPLE;
                }
            } else if (digits > MAX_FAST_DIGITS) {
                if (i - start > MAX_NUMBER_CHARS) {
                    return NOT_SIMPLE;
                }
                if (at >= 0) {
                    dest[at] = JavaFloatParser.parseFloat(b, start, i - start);
                }
            } else if (at >= 0) {
                double d = significand / POW10[scale]; // digits <= 18, so scale <= 17: an exact power
                // an integer's zero has no sign: Jackson reads -0 as the integer 0 (and -0.0 as the float -0.0)
                dest[at] = significand < EXACT_DOUBLE && d >= Float.MIN_NORMAL && !atFloatMidpoint(d) ? signed((float) d, sign)
                        : nearestFloat(scale == 0 && significand == 0 ? 0 : sign, significand, -scale, b, start, i);
            }
            n++;
            if (i < end && b[i] == ',') { // the separator as producers write it
                i++;
                if (i < end && b[i] <= ' ') {
                    i = skipWhitespace(b, i, end);
                }
                continue;
            }
            i = skipWhitespace(b, i, end);
            if (i >= end) {
                return NOT_SIMPLE;
            }
            if (b[i] == ']') {
                return closed(b, i + 1, end, n);
            }
            if (b[i] != ',') {
                return NOT_SIMPLE;
            }
            i = skipWhitespace(b, i + 1, end);
        }
    }

    /** {@code n} after the array's {@code ]} at {@code i - 1} when the object closes there and nothing follows. */
    private static int closed(byte[] b, int i, int end, int n) {
        i = skipWhitespace(b, i, end);
        if (i >= end || b[i] != '}') {
            return NOT_SIMPLE; // more fields (or broken): the general reader decides
        }
        return skipWhitespace(b, i + 1, end) == end ? n : NOT_SIMPLE;
    }

    /**
     * The exponent of the number at {@code start} from just after its {@code e}, and the number's float into
     * {@code dest[at]} (nothing when {@code at} is negative): the index after the number, or -1 when the exponent has no
     * digits or the number is longer than {@link #MAX_NUMBER_CHARS}. {@code significand} is -1 when the number has more digits than a long holds exactly.
     */
    private static int withExponent(byte[] b, int start, int i, int end, float[] dest, int at, int sign, long significand, int scale) {
        boolean negativeExponent = false;
        byte c;
        if (i < end && ((c = b[i]) == '+' || c == '-')) {
            negativeExponent = c == '-';
            i++;
        }
        int first = i;
        int exponent = 0;
        for (; i < end && (c = b[i]) >= '0' && c <= '9'; i++) {
            if (exponent < 100_000) {
                exponent = exponent * 10 + (c - '0');
            }
        }
        if (i == first || i - start > MAX_NUMBER_CHARS) {
            return -1;
        }
        if (at >= 0) {
            dest[at] = significand < 0 ? JavaFloatParser.parseFloat(b, start, i - start)
                    : nearestFloat(sign, significand, (negativeExponent ? -exponent : exponent) - scale, b, start, i);
        }
        return i;
    }

    /** The frame's bytes read eight at a time, the first byte lowest (as a digit run reads left to right). */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long[] LONG_POW10 = {1L, 10L, 100L, 1_000L, 10_000L, 100_000L, 1_000_000L, 10_000_000L, 100_000_000L};
    private static final long ZEROS = 0x3030303030303030L;
    private static final long HIGH_BITS = 0x8080808080808080L;
    /** Added to a byte, sets its high bit when the byte is above '9' (and never carries out of a digit). */
    private static final long ABOVE_NINE = 0x4646464646464646L;

    /**
     * How many of the eight bytes of {@code word}, first byte first, are ASCII digits before the first that is not (0-8).
     * Subtracting '0' sets the high bit of a byte below '0'; adding {@link #ABOVE_NINE} sets it for one above '9';
     * borrows and carries only start at such a byte, so they never reach the digits before it.
     */
    private static int leadingDigits(long word) {
        long notDigit = ((word - ZEROS) | (word + ABOVE_NINE)) & HIGH_BITS;
        return Long.numberOfTrailingZeros(notDigit) >>> 3;
    }

    /**
     * The value of the first {@code run} (1-8) digits of {@code word}, eight digits combined in three multiplications;
     * for a run of 0 a value the caller never uses (it refuses a fraction without digits).
     */
    private static long digitsValue(long word, int run) {
        long v = (word - ZEROS) << ((Long.BYTES - run) << 3); // drops what follows the run; zeros become leading zeros
        v = v * 10 + (v >>> 8); // pairs of digits
        v = ((v & 0x000000FF000000FFL) * (100 + (1_000_000L << 32)) + ((v >>> 16) & 0x000000FF000000FFL) * (1 + (10_000L << 32))) >>> 32;
        return v;
    }

    /**
     * significand × 10^power as a float (negative when {@code sign} is 1), by Clinger's fast path when it is exact, else
     * by FastDoubleParser on the text {@code b[start .. end)}.
     */
    private static float nearestFloat(int sign, long significand, int power, byte[] b, int start, int end) {
        if (significand == 0) {
            return signed(0f, sign);
        }
        if (significand >= EXACT_DOUBLE || power < -(POW10.length - 1) || power > POW10.length - 1) {
            return JavaFloatParser.parseFloat(b, start, end - start);
        }
        double d = power >= 0 ? significand * POW10[power] : significand / POW10[-power];
        if (d < Float.MIN_NORMAL || d > Float.MAX_VALUE || atFloatMidpoint(d)) {
            return JavaFloatParser.parseFloat(b, start, end - start);
        }
        return signed((float) d, sign);
    }

    /** Whether rounding the double {@code d} to float meets a tie (which a double's own rounding may have made). */
    private static boolean atFloatMidpoint(double d) {
        return (Double.doubleToRawLongBits(d) & BELOW_FLOAT_BITS) == FLOAT_MIDPOINT;
    }

    /** {@code f} (not negative) with the sign bit {@code sign} (0 or 1), without a branch. */
    private static float signed(float f, int sign) {
        return Float.intBitsToFloat(Float.floatToRawIntBits(f) | (sign << 31));
    }

    private static int skipWhitespace(byte[] b, int i, int end) {
        while (i < end && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) {
            i++;
        }
        return i;
    }

    /**
     * Any JSON frame, through Jackson's token stream (the limits and messages of the hostile-input suite); public as
     * bench/json's baseline (the reader every frame took before the byte-level one).
     */
    public static void decodeGeneral(byte[] payload, float[] dest, int offset, int dim) throws FrameDecodeException {
        decodeGeneral(payload, 0, payload.length, dest, offset, dim);
    }

    /** {@link #decodeGeneral(byte[], float[], int, int)} of the frame {@code payload[from .. from + length)}. */
    static void decodeGeneral(byte[] payload, int from, int length, float[] dest, int offset, int dim) throws FrameDecodeException {
        try (JsonParser p = FACTORY.createParser(payload, from, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw malformed("a JSON frame must be an object with a \"values\" array");
            }
            boolean found = false;
            for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (!VALUES_FIELD.equals(field)) {
                    p.skipChildren();
                    continue;
                }
                if (value != JsonToken.START_ARRAY) {
                    throw malformed("\"values\" must be an array of numbers");
                }
                if (found) { // which of two arrays counts would be a guess
                    throw malformed("\"values\" appears twice");
                }
                int n = 0;
                for (JsonToken v = p.nextToken(); v != JsonToken.END_ARRAY; v = p.nextToken()) {
                    if (v != JsonToken.VALUE_NUMBER_FLOAT && v != JsonToken.VALUE_NUMBER_INT) {
                        throw malformed("\"values\"[" + n + "] is not a number");
                    }
                    if (n < dim) {
                        dest[offset + n] = p.getFloatValue();
                    }
                    n++;
                }
                if (n != dim) {
                    throw wrongDimension(n, dim);
                }
                found = true;
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw malformed("trailing content after the frame object");
            }
            if (!found) {
                throw malformed("no \"values\" field");
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            String image = EncodedImageFrameDecoder.imageType(new ByteRange(payload, from, from + length));
            if (image != null) { // a picture sent without its type: the default type is JSON
                throw malformed("invalid JSON: the frame looks like a " + (image.equals(EncodedImageFrameDecoder.PNG) ? "PNG" : "JPEG")
                        + " image: send it with a content-type header " + image);
            }
            throw malformed("invalid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw malformed("unreadable JSON: " + e.getMessage());
        }
    }

    private static FrameDecodeException wrongDimension(int n, int dim) {
        return new FrameDecodeException(FrameDecodeException.WRONG_DIMENSION, "JSON frame has " + n + " values, the model expects " + dim);
    }

    private static FrameDecodeException malformed(String message) {
        return new FrameDecodeException(FrameDecodeException.MALFORMED, message);
    }
}
