package io.frameguard.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class VersionToServeTest {

    @Test
    void aRestartingReplicaLoadsOnlyTheVersionActiveOnceItHasReadTheTopic() {
        VersionToServe next = new VersionToServe();
        // the topic's history as a restarting replica reads it, a poll at a time: v1, v2, v3 (bad), then back to v2
        for (String v : new String[] {"v1", "v2", "v3", "v2"}) {
            next.activated(v);
            assertThat(next.due("v2", 0)).as("before the replica has read the whole topic, after %s", v).isNull();
        }
        next.caughtUp();
        assertThat(next.due("v2", 0)).as("v2 serves already").isNull();
        next.activated("v4");
        assertThat(next.due("v2", 0)).isEqualTo("v4");
        next.served("v4");
        assertThat(next.due("v4", 0)).isNull();
    }

    @Test
    void aVersionActivatedDuringTheReadIsLoadedOnceTheReadIsDone() {
        VersionToServe next = new VersionToServe();
        next.activated("v1");
        next.activated("v5");
        assertThat(next.due("v1", 0)).isNull();
        next.caughtUp();
        assertThat(next.due("v1", 0)).isEqualTo("v5");
    }

    @Test
    void aVersionRefusedForItsContentIsNotTriedAgainUntilActivatedAgain() {
        VersionToServe next = new VersionToServe();
        next.caughtUp();
        next.activated("bad");
        assertThat(next.due("v1", 0)).isEqualTo("bad");
        assertThat(next.refused("bad", false, 0)).isNull();
        assertThat(next.due("v1", Duration.ofHours(1).toMillis())).isNull();
        next.activated("bad");
        assertThat(next.due("v1", Duration.ofHours(1).toMillis())).isEqualTo("bad");
    }

    @Test
    void aVersionThatCouldNotBeFetchedIsTriedAgainLaterEachTimeLongerUpToTheLongestWait() {
        VersionToServe next = new VersionToServe();
        next.caughtUp();
        next.activated("v2");
        long now = 1_000;
        long wait = VersionToServe.FIRST_RETRY.toMillis();
        for (int attempt = 0; attempt < 8; attempt++) {
            assertThat(next.due("v1", now)).as("attempt %d", attempt).isEqualTo("v2");
            assertThat(next.refused("v2", true, now)).isEqualTo(Duration.ofMillis(wait));
            assertThat(next.due("v1", now + wait - 1)).as("before the wait is over").isNull();
            now += wait;
            wait = Math.min(wait * 2, VersionToServe.LAST_RETRY.toMillis());
        }
        assertThat(wait).isEqualTo(VersionToServe.LAST_RETRY.toMillis());
        assertThat(next.due("v1", now)).isEqualTo("v2");
        next.served("v2");
        assertThat(next.due("v2", now + wait)).isNull();
    }

    @Test
    void anActivationDuringTheWaitIsLoadedAtOnce() {
        VersionToServe next = new VersionToServe();
        next.caughtUp();
        next.activated("v2");
        next.refused("v2", true, 0);
        next.activated("v3");
        assertThat(next.due("v1", 1)).isEqualTo("v3");
        // and a refusal of a version no longer wanted changes nothing
        assertThat(next.refused("v2", true, 1)).isNull();
        assertThat(next.due("v1", 1)).isEqualTo("v3");
    }
}
