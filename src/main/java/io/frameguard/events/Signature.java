package io.frameguard.events;

/**
 * A frame's signature as the records carry it: what is wrong with the frame, as a vector the anomaly memory compares
 * by cosine similarity. Only signatures of the same {@code kind} (the model card's {@code signature.kind}: how it is
 * made and how long it is) are compared.
 */
public record Signature(String kind, float[] values) {}
