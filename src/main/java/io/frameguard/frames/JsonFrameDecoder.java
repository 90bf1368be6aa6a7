package io.frameguard.frames;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.util.List;
import org.apache.kafka.common.header.Headers;

/**
 * {@code application/json}: an object with a {@code values} array of numbers; other fields are ignored. The
 * numbers are read straight from Jackson's token stream into the batch buffer (no tree, no boxing), with
 * Jackson's fast float parser.
 */
public final class JsonFrameDecoder implements FrameDecoder {

    public static final String CONTENT_TYPE = "application/json";
    static final String VALUES_FIELD = "values";

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .build();

    @Override
    public List<String> contentTypes() {
        return List.of(CONTENT_TYPE, "text/json");
    }

    @Override
    public void decode(String contentType, byte[] payload, Headers headers, float[] dest, int offset, FrameShape shape)
            throws FrameDecodeException {
        int dim = shape.dim();
        try (JsonParser p = FACTORY.createParser(payload)) {
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
                    throw new FrameDecodeException(FrameDecodeException.WRONG_DIMENSION,
                            "JSON frame has " + n + " values, the model expects " + dim);
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
            throw malformed("invalid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw malformed("unreadable JSON: " + e.getMessage());
        }
    }

    private static FrameDecodeException malformed(String message) {
        return new FrameDecodeException(FrameDecodeException.MALFORMED, message);
    }
}
