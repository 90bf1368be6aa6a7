/**
 * The service's Micrometer meters ({@code FrameguardMetrics}, source labels bounded) and their registry.
 *
 * <p>May depend on: {@code config}.
 */
package io.frameguard.metrics;
