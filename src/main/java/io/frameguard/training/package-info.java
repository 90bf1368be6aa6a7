/**
 * Offline training: {@code AutoencoderTrainer} (TensorFlow Java; exports a SavedModel the service runs unchanged),
 * the networks ({@code Autoencoders}), the image error-map graph ({@code ErrorMaps}), the optimiser
 * ({@code AdamStep}), the options ({@code TrainingOptions}) and {@code Auroc}.
 *
 * <p>May depend on: {@code model}, {@code inference} (the native library), {@code datasets}, {@code frames}.
 */
package io.frameguard.training;
