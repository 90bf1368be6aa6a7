/**
 * Which model the service runs now: {@code ActiveModel} (the model the scorer reads once per batch; starts from a
 * directory or from the registry), {@code RegistryWatcher} (follows the registry, checks an activated version and
 * swaps it in, or refuses it and keeps the old one) and {@code VersionToServe} (its rule of which version to load when);
 * {@code FrameDecodersProducer} makes the service's frame decoders from the settings.
 *
 * <p>May depend on: {@code inference}, {@code model}, {@code config}, {@code metrics}, {@code frames}.
 */
package io.frameguard.serving;
