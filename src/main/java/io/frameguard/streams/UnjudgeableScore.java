package io.frameguard.streams;

/**
 * A score record the detector refuses as it stands, with the stable reason its dead letter carries
 * ({@link DetectorDeadLetters}): thrown where the topology meets it, so that it goes to the dead-letter topic like a
 * record that cannot be read.
 */
public final class UnjudgeableScore extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Reason: neither the record's key nor the record names a source, so no source's state can judge its scores. */
    public static final String WITHOUT_SOURCE = "score-without-source";

    private final String reason;

    public UnjudgeableScore(String reason, String message) {
        super(message, null, false, false); // a rule, not a failure: no stack trace to fill
        this.reason = reason;
    }

    /** The stable reason code, for the dead letter's {@code frameguard.error.reason}. */
    public String reason() {
        return reason;
    }
}
