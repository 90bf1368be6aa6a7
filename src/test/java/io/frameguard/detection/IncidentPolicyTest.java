package io.frameguard.detection;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.events.AnomalyEvent;
import io.frameguard.events.FrameRef;
import io.frameguard.events.MemoryEntry;
import io.frameguard.events.Signature;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When a new anomaly joins its source's open incident. */
class IncidentPolicyTest {

    private static final IncidentPolicy POLICY = new IncidentPolicy(Duration.ofMinutes(10), 0.9);
    private static final float[] A = {1, 0, 0.1f};

    @Test
    void anAlikeAnomalyWithinTheWindowJoinsAndALaterOneStartsAnew() {
        IncidentPolicy.OpenIncident first = POLICY.next(null, event(1, 0, A));
        assertThat(first.id()).isEqualTo("frames/0/1");
        assertThat(first.count()).isEqualTo(1);

        IncidentPolicy.OpenIncident second = POLICY.next(first, event(2, 9 * 60_000, new float[] {1, 0.05f, 0.1f}));
        assertThat(second.id()).isEqualTo("frames/0/1");
        assertThat(second.count()).isEqualTo(2);
        assertThat(second.firstSeen()).isZero();
        assertThat(second.lastSeen()).isEqualTo(9 * 60_000);

        // the window counts from the latest event, so a fault that lasts an hour stays one incident
        assertThat(POLICY.next(second, event(3, 18 * 60_000, A)).id()).isEqualTo("frames/0/1");
        // a gap longer than the window ends it
        assertThat(POLICY.next(second, event(3, 20 * 60_000, A)).id()).isEqualTo("frames/0/3");
    }

    @Test
    void anUnlikeAnomalyOrOneWithoutSignatureStartsAnIncidentOfItsOwn() {
        IncidentPolicy.OpenIncident open = POLICY.next(null, event(1, 0, A));
        assertThat(POLICY.next(open, event(2, 1, new float[] {0, 1, 0})).id()).isEqualTo("frames/0/2");
        assertThat(POLICY.next(open, event(2, 1, null)).id()).isEqualTo("frames/0/2");
        assertThat(new IncidentPolicy(Duration.ZERO, 0.9).next(open, event(2, 1, A)).id()).as("merging off")
                .isEqualTo("frames/0/2");
    }

    @Test
    void aLongIncidentListsItsFirstAndNewestEventsAndSurvivesTheStoresSerde() {
        IncidentPolicy.OpenIncident open = POLICY.next(null, event(0, 0, A));
        for (int i = 1; i < 100; i++) {
            open = POLICY.next(open, event(i, i, A));
        }
        assertThat(open.count()).isEqualTo(100);
        assertThat(open.members()).hasSize(MemoryEntry.MAX_MEMBERS);
        assertThat(open.members().get(0)).isEqualTo("frames/0/0");
        assertThat(open.members().get(MemoryEntry.MAX_MEMBERS - 1)).isEqualTo("frames/0/99");

        var serde = IncidentPolicy.OpenIncident.SERDE;
        IncidentPolicy.OpenIncident back = serde.deserialize("t", serde.serialize("t", open));
        assertThat(back.id()).isEqualTo(open.id());
        assertThat(back.count()).isEqualTo(100);
        assertThat(back.members()).isEqualTo(open.members());
        assertThat(back.signature()).containsExactly(A);
        IncidentPolicy.OpenIncident unsigned = POLICY.next(null, event(1, 0, null));
        assertThat(serde.deserialize("t", serde.serialize("t", unsigned)).signature()).isNull();
    }

    private static AnomalyEvent event(long offset, long detected, float[] signature) {
        FrameRef f = new FrameRef("frames", 0, offset);
        return new AnomalyEvent(AnomalyEvent.SCHEMA_VERSION, f.id(), "pump", f, 0, 0, detected, 5, 1, 1, "m1", "major",
                new AnomalyEvent.Window(1, 1, 1), null, signature == null ? null : new Signature("test-3", signature),
                List.of(), null, null, null);
    }
}
