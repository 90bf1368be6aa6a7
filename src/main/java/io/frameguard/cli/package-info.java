/**
 * The {@code frameguard} command line (picocli): thin commands that parse options and call the stage that does the
 * work; shared options are mixins ({@code FrameInput}, {@code KafkaOptions}).
 *
 * <p>May depend on: every product package; nothing in the product depends on it (the benchmarks' launcher
 * reuses its command-line conventions).
 */
package io.frameguard.cli;
