package io.frameguard.events;

/**
 * A frame's signature as the records carry it: what is wrong with the frame, as a vector the anomaly memory compares
 * by cosine similarity. Only signatures of the same {@code kind} (the model card's {@code signature.kind}: how it is
 * made and how long it is) are compared.
 */
public record Signature(String kind, float[] values) {

    /**
     * Most values a signature may hold: the anomaly memory's vector index (Lucene's HNSW graph) takes no longer vectors,
     * so a model is trained without a signature rather than with a longer one.
     */
    public static final int MAX_LENGTH = 1024;

    /**
     * How the kind of an image signature centred on the product ends (training.Signatures writes it; the detector
     * compares such a signature whole, an earlier image signature by its error grid alone).
     */
    public static final String CENTRED = "+centred";
}
