/**
 * Loading a model artifact and running it: {@link io.frameguard.inference.ModelRunner} (a DJL predictor per session,
 * the {@code ReconstructionErrorTranslator} next to it) turns a {@code FrameBatch} into error maps, scores and
 * explanations ({@code ScoredFrame}, {@code ImageRegions}); {@code InferenceDevice} (CPU or GPU), {@code InferenceThreads} (how TensorFlow runs a call on the CPU) and
 * {@code TensorFlowLibrary} (the native library, offline, CPU or CUDA build).
 *
 * <p>May depend on: {@code model}, {@code frames}, {@code events} (the explanation types the records carry).
 */
package io.frameguard.inference;
