/**
 * The benchmarks ({@code bench/frameguard-bench NAME}, called by the scripts under bench/). Not part of the service:
 * compiled with the tests, run on the test class path, never in the service jar or the images.
 *
 * <p>May depend on: every product package and {@code io.frameguard.testing}; nothing in the product depends on it.
 */
package io.frameguard.bench;
