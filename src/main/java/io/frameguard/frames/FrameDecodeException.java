package io.frameguard.frames;

/**
 * A frame that cannot be scored. {@link #reason()} is a stable code (it goes into the dead-letter header
 * {@code frameguard.error.reason} and the DLQ metric); the message says what exactly was wrong.
 */
public class FrameDecodeException extends Exception {

    /** Stable reason codes. */
    public static final String EMPTY = "empty-payload";
    public static final String TOO_LARGE = "payload-too-large";
    public static final String UNSUPPORTED_CONTENT_TYPE = "unsupported-content-type";
    public static final String MALFORMED = "malformed-payload";
    public static final String WRONG_DIMENSION = "wrong-dimension";
    public static final String NON_FINITE = "non-finite-value";
    public static final String MISSING_SOURCE = "missing-source-key";
    public static final String KEY_TOO_LARGE = "key-too-large";
    public static final String IMAGE_TOO_LARGE = "image-too-large";
    public static final String CORRUPT_IMAGE = "corrupt-image";
    public static final String WRONG_CHANNELS = "wrong-channels";
    public static final String BAD_IMAGE_HEADER = "bad-image-header";
    /** Set by the scorer, not a decoder: the frame decoded, but the model's score of it is not a finite number. */
    public static final String NON_FINITE_SCORE = "non-finite-score";
    /** Set by the scorer: scoring the frame, or writing what it found, failed again and again, and alone. */
    public static final String PROCESSING_FAILED = "processing-failed";

    private final String reason;

    public FrameDecodeException(String reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
