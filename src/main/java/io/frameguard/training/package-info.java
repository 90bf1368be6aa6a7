/**
 * Offline training: {@code AutoencoderTrainer} (TensorFlow Java; exports a SavedModel the service runs unchanged),
 * the networks ({@code Autoencoders}: dense, conv, channels, temporal, variational), the width of a window model's
 * bottleneck ({@code ChannelSpectrum}), the image error-map graph ({@code ErrorMaps}), the signatures
 * ({@code Signatures}), the optimiser ({@code AdamStep}), the options ({@code TrainingOptions}) and {@code Auroc}.
 *
 * <p>May depend on: {@code model}, {@code inference} (the native library), {@code datasets}, {@code frames},
 * {@code events} ({@code Signature}'s limits).
 */
package io.frameguard.training;
