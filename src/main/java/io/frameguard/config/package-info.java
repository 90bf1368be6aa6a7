/**
 * The service's settings: {@code FrameguardConfig} (the validated {@code frameguard.*} mapping) and {@code ConfigCheck}
 * (checks across settings, failing the start with a message that names them).
 *
 * <p>May depend on: nothing else of frameguard.
 */
package io.frameguard.config;
