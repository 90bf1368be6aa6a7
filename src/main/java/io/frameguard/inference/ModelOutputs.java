package io.frameguard.inference;

/**
 * What one predictor call returns for a batch, row-major.
 *
 * @param errors the error maps: per frame {@code ModelCard.Input#errorWidth()} values
 * @param signatures the signatures: per frame {@code ModelCard.Signature#length()} values; null for a model without
 */
public record ModelOutputs(float[] errors, float[] signatures) {}
