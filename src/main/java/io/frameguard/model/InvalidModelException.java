package io.frameguard.model;

/**
 * A model artifact that must not be served: missing files, unreadable card, checksum mismatch, a forbidden
 * operation in its graph, a missing or wrong signature, wrong shape. {@link #reason()} says which kind, as the
 * {@code frameguard_model_refused_total} metric labels it.
 */
public class InvalidModelException extends java.io.IOException {

    /** Why an artifact was refused; {@link #label()} is the metric's {@code reason} label. */
    public enum Reason {
        /** Missing or unreadable files, an invalid card, a shape the stream does not carry, a failed canary. */
        INVALID("invalid-model"),
        /** The SavedModel's files do not hash to the card's checksum, or the card differs from the registry's record. */
        CHECKSUM_MISMATCH("checksum-mismatch"),
        /**
         * The card's checksum is not of the form this build computes: a card sealed by an earlier build
         * ({@code sha256:}), which must be sealed again (not tampering, as a mismatch may be).
         */
        CHECKSUM_FORMAT("checksum-format"),
        /** The graph holds an operation that frameguard's trainers never export (see {@link GraphAllowList}). */
        FORBIDDEN_OP("forbidden-op"),
        /** A verification key is configured and the artifact carries no signature. */
        UNSIGNED("unsigned"),
        /** The artifact's signature does not verify with the configured key. */
        BAD_SIGNATURE("bad-signature");

        private final String label;

        Reason(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private final Reason reason;

    public InvalidModelException(String message) {
        this(Reason.INVALID, message);
    }

    public InvalidModelException(String message, Throwable cause) {
        super(message, cause);
        this.reason = Reason.INVALID;
    }

    public InvalidModelException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
