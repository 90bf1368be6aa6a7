/**
 * Decoding frames as producers send them (JSON, float32, PNG/JPEG, raw gray8/rgb8, chosen by the {@code content-type}
 * header) into float values, with the checks every frame gets and the stable reason codes of
 * {@link io.frameguard.frames.FrameDecodeException}; {@code FrameEncoding}, the same payloads written, for producers
 * in Java; {@code FrameShape} and {@code ImageGeometry}, what a model reads; {@code UntrustedText}, text a producer or caller
 * chose, as it may be shown.
 *
 * <p>May depend on: nothing else of frameguard.
 */
package io.frameguard.frames;
