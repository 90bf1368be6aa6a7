package io.frameguard.inference;

/**
 * What a session hands its predictor: the frames, and the session's own {@link InputStaging} that carries them to the
 * model's input tensor.
 */
record ModelCall(FrameBatch batch, InputStaging staging) {}
