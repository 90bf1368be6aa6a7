package io.frameguard.serving;

import java.time.Duration;

/**
 * Which registry version a replica loads next, and when: the rule {@link RegistryWatcher} follows.
 *
 * <ul>
 *   <li>Only the version active once the watcher has read the registry topic up to where it ended at start counts: a
 *       restarting replica reads every activation since the topic began, and swapping to each on the way (old versions,
 *       ones rolled back as bad) would reset every source's threshold in the detector each time.
 *   <li>A version refused for its content (not verifying, another input than the stream's) is not tried again until it
 *       is activated again: it would be refused again.
 *   <li>A version that could not be fetched, unpacked or loaded just then (the broker, the cache directory's disk, the
 *       device out of memory) is tried again,
 *       {@link #FIRST_RETRY} later, then twice as long each time up to {@link #LAST_RETRY}: otherwise one replica would
 *       serve the old model until it restarts while the others serve the new one.
 * </ul>
 * Not thread-safe: the watcher's thread alone uses it.
 */
final class VersionToServe {

    /** Wait before the first retry of a version that could not be fetched or loaded. */
    static final Duration FIRST_RETRY = Duration.ofSeconds(10);
    /** Longest wait between retries. */
    static final Duration LAST_RETRY = Duration.ofMinutes(5);

    private boolean caughtUp;
    /** The version activated last and not yet served or refused for good; null when none is. */
    private String pending;
    private long retryAtMs;
    private Duration backoff = FIRST_RETRY;

    /** An activation of the model read from the topic. */
    void activated(String version) {
        pending = version;
        retryAtMs = 0;
        backoff = FIRST_RETRY;
    }

    /** The watcher has read the topic up to where it ended at start. */
    void caughtUp() {
        caughtUp = true;
    }

    /** The version to load now, or null: none is due, or {@code serving} is it already. */
    String due(String serving, long nowMs) {
        if (!caughtUp || pending == null || nowMs < retryAtMs) {
            return null;
        }
        if (pending.equals(serving)) {
            pending = null;
            return null;
        }
        return pending;
    }

    /** {@code version} was loaded and serves. */
    void served(String version) {
        if (version.equals(pending)) {
            pending = null;
        }
    }

    /**
     * {@code version} was refused: for good when not {@code retryable}, else it is due again after the backoff.
     *
     * @return the wait before it is tried again, or null when it is not
     */
    Duration refused(String version, boolean retryable, long nowMs) {
        if (!version.equals(pending)) {
            return null;
        }
        if (!retryable) {
            pending = null;
            return null;
        }
        Duration wait = backoff;
        retryAtMs = nowMs + wait.toMillis();
        backoff = backoff.multipliedBy(2).compareTo(LAST_RETRY) > 0 ? LAST_RETRY : backoff.multipliedBy(2);
        return wait;
    }
}
