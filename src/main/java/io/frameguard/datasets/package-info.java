/**
 * Frames and images from files for the command line and the benchmarks: {@code FrameFile} (csv, float32, idx, a
 * directory of PNG/JPEG images), {@code ImageFiles}, and {@code SensorSimulator} (normal multichannel sensor
 * windows with injected faults, for the demo, tests and benchmarks).
 *
 * <p>May depend on: {@code frames}.
 */
package io.frameguard.datasets;
