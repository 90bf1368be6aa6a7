package io.frameguard.detection;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.events.AnomalyEvent;
import io.frameguard.events.ChannelError;
import io.frameguard.events.ImageRegion;
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
        IncidentPolicy.OpenIncident first = POLICY.next(null, event(1, 0, A), false);
        assertThat(first.id()).isEqualTo("frames/0/1");
        assertThat(first.count()).isEqualTo(1);

        IncidentPolicy.OpenIncident second = POLICY.next(first, event(2, 9 * 60_000, new float[] {1, 0.05f, 0.1f}), false);
        assertThat(second.id()).isEqualTo("frames/0/1");
        assertThat(second.count()).isEqualTo(2);
        assertThat(second.firstSeen()).isZero();
        assertThat(second.lastSeen()).isEqualTo(9 * 60_000);

        // the window counts from the latest event, so a fault that lasts an hour stays one incident
        assertThat(POLICY.next(second, event(3, 18 * 60_000, A), false).id()).isEqualTo("frames/0/1");
        // a gap longer than the window ends it
        assertThat(POLICY.next(second, event(3, 20 * 60_000, A), false).id()).isEqualTo("frames/0/3");
    }

    @Test
    void anUnlikeAnomalyOrOneWithoutSignatureStartsAnIncidentOfItsOwn() {
        IncidentPolicy.OpenIncident open = POLICY.next(null, event(1, 0, A), false);
        assertThat(POLICY.next(open, event(2, 1, new float[] {0, 1, 0}), false).id()).isEqualTo("frames/0/2");
        assertThat(POLICY.next(open, event(2, 1, null), false).id()).as("one without a signature after one with")
                .isEqualTo("frames/0/2");
        IncidentPolicy.OpenIncident unexplained = POLICY.next(null, event(1, 0, null), false);
        assertThat(POLICY.next(unexplained, event(2, 1, null), false).id()).as("neither a signature nor an explanation")
                .isEqualTo("frames/0/2");
        assertThat(new IncidentPolicy(Duration.ZERO, 0.9).next(open, event(2, 1, A), false).id()).as("merging off")
                .isEqualTo("frames/0/2");
    }

    @Test
    void aLongIncidentListsItsFirstAndNewestEventsAndSurvivesTheStoresSerde() {
        IncidentPolicy.OpenIncident open = POLICY.next(null, event(0, 0, A), false);
        for (int i = 1; i < 100; i++) {
            open = POLICY.next(open, event(i, i, A), false);
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
        assertThat(back.signature().values()).containsExactly(A);
        IncidentPolicy.OpenIncident unsigned = POLICY.next(null, event(1, 0, null), false);
        assertThat(serde.deserialize("t", serde.serialize("t", unsigned)).signature()).isNull();
    }

    /**
     * A hand-written score record's anomaly with a signature longer than any model's, or more top channels than the
     * store reads back, makes an incident the store can still read: the store refused to read what it had written, and
     * every later anomaly of the source was dead-lettered until the source went idle.
     */
    @Test
    void anOversizedLikenessIsLeftOutSoTheStoreReadsItsIncidentBack() {
        var serde = IncidentPolicy.OpenIncident.SERDE;
        IncidentPolicy.OpenIncident signed = POLICY.next(null, event(0, 0, new float[70_000]), false);
        assertThat(serde.deserialize("t", serde.serialize("t", signed)).signature()).isNull();
        double[] many = new double[2 * 40_000];
        for (int i = 0; i < 40_000; i++) {
            many[2 * i] = i;
            many[2 * i + 1] = 1.0 / 40_000;
        }
        IncidentPolicy.OpenIncident explained = POLICY.next(null, event(1, 0, null, topChannels(many)), false);
        assertThat(serde.deserialize("t", serde.serialize("t", explained)).id()).isEqualTo(explained.id());
    }

    @Test
    void withoutSignaturesAnomaliesWhoseErrorSitsOnTheSameChannelsAreOneIncident() {
        // a model that computes no signature (one-step frames of 1,024 values): a fault on channel 700 that lasts an
        // hour, a frame a second, is one incident, not 3,600
        IncidentPolicy.OpenIncident open = POLICY.next(null, explained(0, 0, channels(700, 0.81, 12, 0.02, 5, 0.01)), false);
        for (int i = 1; i < 3_600; i++) {
            open = POLICY.next(open, explained(i, i * 1_000L, channels(700, 0.7 + (i % 10) * 0.02, i % 50, 0.03, 9, 0.01)), false);
        }
        assertThat(open.id()).isEqualTo("frames/0/0");
        assertThat(open.count()).isEqualTo(3_600);

        // another channel's fault on the same source is another incident; so is the same channel after the window
        assertThat(POLICY.next(open, explained(5_000, 3_600_000, channels(3, 0.9, 700, 0.05)), false).id()).isEqualTo("frames/0/5000");
        assertThat(POLICY.next(open, explained(5_000, 3_599_000 + 11 * 60_000, channels(700, 0.8)), false).id())
                .isEqualTo("frames/0/5000");
        // the error spread over two channels in turn: half alike, not one incident at a similarity of 0.9
        IncidentPolicy.OpenIncident two = POLICY.next(null, explained(0, 0, channels(1, 0.4, 2, 0.4)), false);
        assertThat(POLICY.next(two, explained(1, 1, channels(2, 0.4, 3, 0.4)), false).id()).isEqualTo("frames/0/1");
        // an event with a signature and one without are not compared
        assertThat(POLICY.next(open, event(6_000, 3_600_000, A), false).id()).isEqualTo("frames/0/6000");
        assertThat(POLICY.next(POLICY.next(null, event(0, 0, A), false), explained(1, 1, channels(700, 0.8)), false).id())
                .isEqualTo("frames/0/1");
    }

    @Test
    void withoutSignaturesImageAnomaliesInOverlappingRegionsAreOneIncident() {
        IncidentPolicy policy = IncidentPolicy.DEFAULT; // 0.8
        IncidentPolicy.OpenIncident open = policy.next(null, inRegion(0, 0, new ImageRegion(10, 10, 8, 8, 14, 14, 0.4)), false);
        // moved by a pixel: 7x8 of the 8x8 regions shared
        open = policy.next(open, inRegion(1, 1, new ImageRegion(11, 10, 8, 8, 15, 14, 0.5)), false);
        // grown around it: the smaller region wholly inside the larger
        open = policy.next(open, inRegion(2, 2, new ImageRegion(8, 8, 14, 14, 15, 15, 0.5)), false);
        assertThat(open.id()).isEqualTo("frames/0/0");
        assertThat(open.count()).isEqualTo(3);
        assertThat(policy.next(open, inRegion(3, 3, new ImageRegion(0, 0, 4, 4, 2, 2, 0.5)), false).id()).as("elsewhere in the image")
                .isEqualTo("frames/0/3");
        assertThat(policy.next(open, inRegion(3, 3, new ImageRegion(11, 10, 0, 0, 11, 10, 0.5)), false).id()).as("an empty region")
                .isEqualTo("frames/0/3");
        assertThat(IncidentPolicy.overlap(new float[] {0, 0, 8, 8}, new float[] {4, 0, 8, 8})).isEqualTo(0.5);
        assertThat(IncidentPolicy.overlap(new float[] {0, 0, 8, 8}, new float[] {8, 0, 8, 8})).as("touching edges").isZero();
    }

    /**
     * One camera's defects: its pictures are alike by what they show (the image signature's latent code and thumbnail),
     * so only where the error is (its error grid) says whether a new defect is the incident's: a scratch and a missing
     * corner elsewhere are two incidents, the same scratch again is one.
     */
    @Test
    void anotherDefectOfOneCameraIsAnIncidentOfItsOwnThoughThePicturesAreAlike() {
        IncidentPolicy policy = IncidentPolicy.DEFAULT; // 0.8
        String kind = "error-grid-2x2+latent-2+thumbnail-2x2";
        float[] same = {0.7f, 0.7f, 0.5f, 0.5f, 0.5f, 0.5f}; // latent and thumbnail of the product, each of unit length
        AnomalyEvent scratch = imageEvent(0, kind, new float[] {1, 0, 0, 0}, same, new ImageRegion(0, 0, 4, 1, 2, 0, 0.5));
        // the corner's error grid partly where the scratch's was (cosine 0.6): with the pictures' likeness, 0.87 in all
        AnomalyEvent corner = imageEvent(1, kind, new float[] {0.6f, 0, 0, 0.8f}, same, new ImageRegion(30, 30, 2, 2, 31, 31, 0.5));
        AnomalyEvent scratchAgain = imageEvent(2, kind, new float[] {0.99f, 0.1f, 0, 0}, same, new ImageRegion(0, 1, 4, 1, 2, 1, 0.5));
        IncidentPolicy.OpenIncident open = policy.next(null, scratch, false);
        assertThat(policy.next(open, corner, false).id()).as("a corner elsewhere").isEqualTo(corner.eventId());
        assertThat(policy.next(open, scratchAgain, false).id()).as("the scratch again").isEqualTo(scratch.eventId());
    }

    /**
     * A signature centred on the product says in every part how the picture departs from it, and counts whole: a picture
     * too dark all over goes on as one incident though its error grid is no more than noise (the error has the shape of a
     * normal picture's), and a dark spot beside it is another.
     */
    @Test
    void aCentredImageSignatureCountsWhole() {
        IncidentPolicy policy = IncidentPolicy.DEFAULT; // 0.8
        String kind = "error-grid-2x2+latent-2+thumbnail-2x2+centred";
        AnomalyEvent dark = imageEvent(0, kind, new float[] {0.3f, -0.2f, 0.1f, 0.2f}, new float[] {5, 4, -8, -8, -7, -8},
                new ImageRegion(0, 0, 4, 4, 2, 2, 0.2));
        AnomalyEvent darkAgain = imageEvent(1, kind, new float[] {-0.2f, 0.3f, -0.1f, 0.1f},
                new float[] {5.1f, 3.9f, -8, -7.5f, -7, -8}, new ImageRegion(20, 20, 4, 4, 22, 22, 0.2));
        AnomalyEvent spot = imageEvent(2, kind, new float[] {9, 0, 0, 0}, new float[] {0.5f, -0.3f, -1, 0, 0, 0},
                new ImageRegion(40, 40, 2, 2, 41, 41, 0.6));
        assertThat(IncidentPolicy.cosine(new float[] {0.3f, -0.2f, 0.1f, 0.2f}, new float[] {-0.2f, 0.3f, -0.1f, 0.1f}))
                .as("the error grids alone").isNegative();
        IncidentPolicy.OpenIncident open = policy.next(null, dark, false);
        assertThat(policy.next(open, darkAgain, false).id()).as("too dark again").isEqualTo(dark.eventId());
        assertThat(policy.next(open, spot, false).id()).as("a dark spot").isEqualTo(spot.eventId());
    }

    /**
     * An image signature's second half says what shape the error has wherever it lies, which two spots far apart share
     * (and two garments that are no sneaker): by the whole signature they would be one incident, though each is a defect
     * of its own where it lies. The incident is decided by the first half, how the picture departs from the product.
     */
    @Test
    void anImageSignaturesErrorShapeDoesNotMakeDefectsApartOneIncident() {
        IncidentPolicy policy = IncidentPolicy.DEFAULT; // 0.8
        String kind = "error-grid-2x2+latent-2+thumbnail-2x2+error-shape-3+centred";
        float[] shape = {0.6f, 0.8f, 0}; // one shape of error, unit length as the half is
        float[] here = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        float[] there = {0.65f, 0.76f, 0, 0, 0, 0, 0, 0, 0, 0}; // departs elsewhere: cosine 0.65
        float[] hereAgain = {0.95f, 0.31f, 0, 0, 0, 0, 0, 0, 0, 0};
        AnomalyEvent spot = imageEvent(0, kind, here, shape, new ImageRegion(0, 0, 2, 2, 1, 1, 0.5));
        AnomalyEvent spotElsewhere = imageEvent(1, kind, there, shape, new ImageRegion(30, 30, 2, 2, 31, 31, 0.5));
        AnomalyEvent spotAgain = imageEvent(2, kind, hereAgain, new float[] {0, 0.8f, 0.6f}, new ImageRegion(20, 0, 2, 2, 21, 1, 0.5));
        assertThat(IncidentPolicy.cosine(concat(here, shape), concat(there, shape))).as("the whole signatures").isGreaterThan(0.8);
        IncidentPolicy.OpenIncident open = policy.next(null, spot, false);
        assertThat(policy.next(open, spotElsewhere, false).id()).as("a spot elsewhere").isEqualTo(spotElsewhere.eventId());
        assertThat(policy.next(open, spotAgain, false).id()).as("the spot again, its error shaped otherwise")
                .isEqualTo(spot.eventId());
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static AnomalyEvent imageEvent(long offset, String kind, float[] grid, float[] rest, ImageRegion region) {
        float[] values = new float[grid.length + rest.length];
        System.arraycopy(grid, 0, values, 0, grid.length);
        System.arraycopy(rest, 0, values, grid.length, rest.length);
        FrameRef f = new FrameRef("frames", 0, offset);
        return new AnomalyEvent(AnomalyEvent.SCHEMA_VERSION, f.id(), "camera", f, 0, 0, offset, 5, 1, 1, "m1", "major",
                new AnomalyEvent.Window(1, 1, 1), new AnomalyEvent.Explanation(AnomalyEvent.Explanation.IMAGE_REGION, null, region, null),
                new Signature(kind, values), List.of(), null, null, null);
    }

    @Test
    void explanationsWithNothingToCompareStartIncidentsOfTheirOwnAndOldStoredIncidentsAreNotJoined() {
        IncidentPolicy.OpenIncident open = POLICY.next(null, explained(0, 0, channels(700, 0.8)), false);
        List<List<ChannelError>> nothing = new java.util.ArrayList<>();
        nothing.add(List.of());
        nothing.add(channels(700, Double.NaN));
        nothing.add(channels(700, -0.5));
        nothing.add(java.util.Arrays.asList(new ChannelError(700, "ch700", 9, 0.8), null)); // a hand-written record's
        for (List<ChannelError> top : nothing) {
            IncidentPolicy.OpenIncident next = POLICY.next(open, explained(1, 1, top), false);
            assertThat(next.id()).as("%s", top).isEqualTo("frames/0/1");
            assertThat(next.signature()).as("%s", top).isNull();
            assertThat(next.explanation()).as("%s", top).isNull();
            assertThat(POLICY.next(next, explained(2, 2, channels(700, 0.8)), false).id()).as("after %s", top).isEqualTo("frames/0/2");
        }
        // an incident stored before explanations were compared: no likeness kept
        IncidentPolicy.OpenIncident stored = new IncidentPolicy.OpenIncident("frames/0/0", 0, 0, 1, List.of("frames/0/0"), null, null,
                IncidentPolicy.UNKNOWN);
        assertThat(POLICY.next(stored, explained(1, 1, channels(700, 0.8)), false).id()).isEqualTo("frames/0/1");
    }

    /**
     * A channel out of step with the others for an hour: its signature's residual half changes sign with the machine's
     * phase (consecutive signatures' cosine 0), while channel 3 carries the error throughout: one incident.
     */
    @Test
    void aFaultWhoseSignatureSwingsWhileTheSameChannelCarriesItIsOneIncident() {
        IncidentPolicy.OpenIncident open = null;
        for (int i = 0; i < 3_600; i++) {
            float sign = i % 2 == 0 ? 1 : -1;
            float[] signature = {0.7f, 0.1f, 0.7f * sign, 0.1f * sign}; // error part, then the signed residual part
            open = POLICY.next(open, event(i, i * 1_000L, signature, topChannels(3, 0.6 + (i % 7) * 0.04, 5, 0.05)), false);
        }
        assertThat(open.id()).isEqualTo("frames/0/0");
        assertThat(open.count()).isEqualTo(3_600);
    }

    @Test
    void aFaultWhoseAnomaliesAreSometimesSignedAndSometimesNotIsOneIncident() {
        // a source whose threshold sits below the scorer's candidate rank: during one fault on channel 3 some anomalies
        // carry a signature and some do not; each is compared with the incident by what both have
        IncidentPolicy.OpenIncident open = POLICY.next(null, event(0, 0, A, topChannels(3, 0.8, 9, 0.05)), false);
        for (int i = 1; i < 600; i++) {
            float[] signature = i % 3 == 0 ? null : new float[] {1, 0.02f * (i % 5), 0.1f};
            open = POLICY.next(open, event(i, i * 1_000L, signature, topChannels(3, 0.7 + (i % 4) * 0.05, i % 40, 0.04)), false);
        }
        assertThat(open.id()).isEqualTo("frames/0/0");
        assertThat(open.count()).isEqualTo(600);

        // two signed events whose signatures differ join where their top channels agree (a signature that swings with
        // the machine's phase), and not where neither does
        assertThat(POLICY.next(open, event(700, 700_000, new float[] {0, 1, 0}, topChannels(3, 0.8)), false).id())
                .isEqualTo("frames/0/0");
        assertThat(POLICY.next(open, event(700, 700_000, new float[] {0, 1, 0}, topChannels(5, 0.8)), false).id())
                .isEqualTo("frames/0/700");
        // an unsigned event after a signed one: by their explanations
        IncidentPolicy.OpenIncident signed = POLICY.next(null, event(0, 0, A, topChannels(3, 0.8)), false);
        assertThat(POLICY.next(signed, explained(1, 1, channels(3, 0.75)), false).id()).isEqualTo("frames/0/0");
        assertThat(POLICY.next(signed, explained(1, 1, channels(4, 0.75)), false).id()).isEqualTo("frames/0/1");
        // a signed event after an unsigned one is compared with the incident's latest signature and explanation
        IncidentPolicy.OpenIncident joined = POLICY.next(signed, explained(1, 1, channels(3, 0.75)), false);
        assertThat(POLICY.next(joined, event(2, 2, new float[] {0, 1, 0}, topChannels(4, 0.8)), false).id()).isEqualTo("frames/0/2");
        assertThat(POLICY.next(joined, event(2, 2, A, topChannels(4, 0.8)), false).id()).isEqualTo("frames/0/0");
        assertThat(POLICY.next(joined, event(2, 2, new float[] {0, 1, 0}, topChannels(3, 0.8)), false).id()).isEqualTo("frames/0/0");

        // both likenesses are kept in the store
        var serde = IncidentPolicy.OpenIncident.SERDE;
        IncidentPolicy.OpenIncident back = serde.deserialize("t", serde.serialize("t", joined));
        assertThat(POLICY.next(back, explained(2, 2, channels(3, 0.8)), false).id()).isEqualTo("frames/0/0");
        assertThat(POLICY.next(back, event(2, 2, new float[] {0, 1, 0}, topChannels(4, 0.8)), false).id()).isEqualTo("frames/0/2");
    }

    @Test
    void anExplanationsLikenessSurvivesTheStoresSerde() {
        IncidentPolicy.OpenIncident open = POLICY.next(null, explained(0, 0, channels(700, 0.81, 12, 0.02)), false);
        var serde = IncidentPolicy.OpenIncident.SERDE;
        IncidentPolicy.OpenIncident back = serde.deserialize("t", serde.serialize("t", open));
        assertThat(back.explanation().kind()).isEqualTo(IncidentPolicy.Likeness.TOP_CHANNELS);
        assertThat(back.signature()).isNull();
        assertThat(POLICY.next(back, explained(1, 1, channels(700, 0.79)), false).id()).isEqualTo("frames/0/0");
        assertThat(IncidentPolicy.sharesCosine(new float[] {700, 0.6f, 3, 0.8f}, new float[] {3, 0.8f, 700, 0.6f}))
                .isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
    }

    @Test
    void incidentsStoredInTheFirstFormatAreStillRead() throws java.io.IOException {
        var serde = IncidentPolicy.OpenIncident.SERDE;
        IncidentPolicy.OpenIncident signed = serde.deserialize("t", formatOne("test-3", A));
        assertThat(signed.signature().values()).containsExactly(A);
        assertThat(signed.explanation()).isNull();
        assertThat(POLICY.next(signed, event(1, 1, A), false).id()).isEqualTo("frames/0/0");

        IncidentPolicy.OpenIncident explained = serde.deserialize("t", formatOne(IncidentPolicy.Likeness.TOP_CHANNELS, new float[] {700, 0.8f}));
        assertThat(explained.signature()).isNull();
        assertThat(explained.explanation().kind()).isEqualTo(IncidentPolicy.Likeness.TOP_CHANNELS);
        assertThat(POLICY.next(explained, explained(1, 1, channels(700, 0.8)), false).id()).isEqualTo("frames/0/0");

        IncidentPolicy.OpenIncident none = serde.deserialize("t", formatOne(null, null));
        assertThat(none.signature()).isNull();
        assertThat(none.explanation()).isNull();
        assertThat(none.members()).containsExactly("frames/0/0");
        // half a likeness (a kind without values, values without a kind) is none
        for (byte[] half : List.of(formatOne("test-3", null), formatOne(null, A))) {
            IncidentPolicy.OpenIncident read = serde.deserialize("t", half);
            assertThat(read.signature()).isNull();
            assertThat(read.explanation()).isNull();
        }
    }

    /**
     * A fault episode (many of the source's recent frames over its threshold) is one incident however much its events'
     * explanations differ; outside an episode they decide, and the window holds either way.
     */
    @Test
    void theEventsOfOneFaultEpisodeAreOneIncident() {
        IncidentPolicy.OpenIncident open = POLICY.next(null, explained(0, 0, channels(3, 0.9)), false);
        for (int i = 1; i < 200; i++) { // the top channel changes from frame to frame
            open = POLICY.next(open, explained(i, i * 50L, channels(i % 7, 0.6, 3, 0.2)), true);
        }
        assertThat(open.id()).isEqualTo("frames/0/0");
        assertThat(open.count()).isEqualTo(200);
        assertThat(POLICY.next(open, explained(200, 10_000, channels(9, 0.9)), false).id()).as("outside an episode")
                .isEqualTo("frames/0/200");
        assertThat(POLICY.next(open, explained(200, 10_000, channels(3, 0.85)), false).id())
                .as("the odd events left the incident what its first was like").isEqualTo("frames/0/0");
        assertThat(POLICY.next(open, explained(201, 199 * 50L + 11 * 60_000, channels(9, 0.9)), true).id())
                .as("an episode after the window").isEqualTo("frames/0/201");
    }

    /**
     * Incidents go by when their frames were captured: a backlog scored after the detector was down for an hour is
     * grouped as it happened, not as one burst, and a fault that went on through the outage stays one incident.
     */
    @Test
    void aBacklogIsGroupedByWhenItsFramesWereCapturedNotWhenTheDetectorCaughtUp() throws java.io.IOException {
        long t = 1_765_000_000_000L; // 2025-12-06, capture times from then on
        long hour = 3_600_000;
        long min = 60_000;
        IncidentPolicy.OpenIncident open = POLICY.next(null, event(0, t, t + hour, A, null), false);
        assertThat(POLICY.next(open, event(1, t + 45 * min, t + hour + 5, A, null), false).id())
                .as("the same fault again 45 minutes later, both scored after the outage").isEqualTo("frames/0/1");
        assertThat(POLICY.next(open, event(1, t + min, t + hour + 5, A, null), false).id()).as("a minute later")
                .isEqualTo("frames/0/0");
        assertThat(POLICY.next(open, event(1, t + min, t + 2 * hour, A, null), true).id())
                .as("a minute later by the frames, an hour later by the detector").isEqualTo("frames/0/0");
        IncidentPolicy.OpenIncident late = POLICY.next(POLICY.next(open, event(1, t + 9 * min, t + hour + 5, A, null), false),
                event(2, t + 18 * min, t + hour + 6, A, null), false);
        assertThat(late.id()).isEqualTo("frames/0/0");
        IncidentPolicy.OpenIncident outOfOrder = POLICY.next(late, event(3, t + 17 * min, t + hour + 7, A, null), false);
        assertThat(outOfOrder.id()).as("a frame a little out of order").isEqualTo("frames/0/0");
        assertThat(outOfOrder.lastCaptured()).as("which does not take the incident back").isEqualTo(t + 18 * min);
        assertThat(POLICY.next(outOfOrder, event(4, t + 27 * min + 30_000, t + hour + 8, A, null), false).id())
                .as("9.5 minutes after the latest").isEqualTo("frames/0/0");
        assertThat(POLICY.next(late, event(3, t + 8 * min - 1, t + hour + 7, A, null), false).id())
                .as("one captured more than the window before the latest").isEqualTo("frames/0/3");

        // a frame without a capture time, or an incident stored before capture times were kept: the detector's clock
        assertThat(POLICY.next(open, event(1, IncidentPolicy.UNKNOWN, t + hour + 5, A, null), false).id()).isEqualTo("frames/0/0");
        assertThat(POLICY.next(open, event(1, IncidentPolicy.UNKNOWN, t + 2 * hour, A, null), false).id()).isEqualTo("frames/0/1");
        IncidentPolicy.OpenIncident unstamped = POLICY.next(null, event(0, IncidentPolicy.UNKNOWN, t + hour, A, null), false);
        assertThat(POLICY.next(unstamped, event(1, t + 45 * min, t + hour + 5, A, null), false).id()).isEqualTo("frames/0/0");
        assertThat(POLICY.next(POLICY.next(unstamped, event(1, t + 45 * min, t + hour + 5, A, null), false),
                event(2, t + 47 * min, t + 3 * hour, A, null), false).id()).as("captured 2 minutes after the last one stamped")
                .isEqualTo("frames/0/0");
        // capture times not believed: the detector's clock too (an unset clock, a stamp in seconds, one in microseconds)
        for (long odd : new long[] {0, (t + hour) / 1000, (t + hour) * 1000}) {
            IncidentPolicy.OpenIncident stamped = POLICY.next(null, event(0, odd, t + hour, A, null), false);
            assertThat(stamped.lastCaptured()).as("%d kept", odd).isEqualTo(IncidentPolicy.UNKNOWN);
            assertThat(POLICY.next(open, event(1, odd, t + 2 * hour, A, null), false).id()).as("%d, an hour later", odd)
                    .isEqualTo("frames/0/1");
            assertThat(POLICY.next(open, event(1, odd, t + hour + 5, A, null), false).id()).as("%d, at once", odd)
                    .isEqualTo("frames/0/0");
        }

        var serde = IncidentPolicy.OpenIncident.SERDE;
        assertThat(serde.deserialize("t", serde.serialize("t", open)).lastCaptured()).isEqualTo(t);
        IncidentPolicy.OpenIncident formatTwo = serde.deserialize("t", formatTwo(t + hour));
        assertThat(formatTwo.lastCaptured()).isEqualTo(IncidentPolicy.UNKNOWN);
        assertThat(POLICY.next(formatTwo, event(1, t + 45 * min, t + hour + 5, A, null), false).id()).isEqualTo("frames/0/0");
    }

    /** A stored incident as format 2 wrote it, seen by the detector at {@code seen}, with signature {@link #A}. */
    private static byte[] formatTwo(long seen) throws java.io.IOException {
        var bytes = new java.io.ByteArrayOutputStream();
        try (var out = new java.io.DataOutputStream(bytes)) {
            out.writeByte(2);
            out.writeUTF("frames/0/0");
            out.writeLong(seen);
            out.writeLong(seen);
            out.writeInt(1);
            out.writeShort(1);
            out.writeUTF("frames/0/0");
            out.writeBoolean(true);
            out.writeUTF("test-3");
            out.writeInt(A.length);
            for (float v : A) {
                out.writeFloat(v);
            }
            out.writeBoolean(false);
            out.writeInt(-1);
        }
        return bytes.toByteArray();
    }

    /** A stored incident as format 1 wrote it: one likeness slot. */
    private static byte[] formatOne(String kind, float[] values) throws java.io.IOException {
        var bytes = new java.io.ByteArrayOutputStream();
        try (var out = new java.io.DataOutputStream(bytes)) {
            out.writeByte(1);
            out.writeUTF("frames/0/0");
            out.writeLong(0);
            out.writeLong(0);
            out.writeInt(1);
            out.writeShort(1);
            out.writeUTF("frames/0/0");
            out.writeBoolean(kind != null);
            if (kind != null) {
                out.writeUTF(kind);
            }
            out.writeInt(values == null ? -1 : values.length);
            for (int i = 0; values != null && i < values.length; i++) {
                out.writeFloat(values[i]);
            }
        }
        return bytes.toByteArray();
    }

    private static List<ChannelError> channels(double... indexShare) {
        List<ChannelError> top = new java.util.ArrayList<>();
        for (int i = 0; i < indexShare.length; i += 2) {
            top.add(new ChannelError((int) indexShare[i], "ch" + (int) indexShare[i], indexShare[i + 1] * 10, indexShare[i + 1]));
        }
        return top;
    }

    private static AnomalyEvent explained(long offset, long detected, List<ChannelError> top) {
        return event(offset, detected, null, new AnomalyEvent.Explanation(AnomalyEvent.Explanation.CHANNELS, top, null, null));
    }

    private static AnomalyEvent.Explanation topChannels(double... indexShare) {
        return new AnomalyEvent.Explanation(AnomalyEvent.Explanation.CHANNELS, channels(indexShare), null, null);
    }

    private static AnomalyEvent inRegion(long offset, long detected, ImageRegion region) {
        return event(offset, detected, null, new AnomalyEvent.Explanation(AnomalyEvent.Explanation.IMAGE_REGION, null, region, null));
    }

    private static AnomalyEvent event(long offset, long detected, float[] signature) {
        return event(offset, detected, signature, null);
    }

    /** An event whose frame was captured when the detector saw it. */
    private static AnomalyEvent event(long offset, long detected, float[] signature, AnomalyEvent.Explanation explanation) {
        return event(offset, detected, detected, signature, explanation);
    }

    private static AnomalyEvent event(long offset, long captured, long detected, float[] signature, AnomalyEvent.Explanation explanation) {
        FrameRef f = new FrameRef("frames", 0, offset);
        return new AnomalyEvent(AnomalyEvent.SCHEMA_VERSION, f.id(), "pump", f, captured, 0, detected, 5, 1, 1, "m1", "major",
                new AnomalyEvent.Window(1, 1, 1), explanation, signature == null ? null : new Signature("test-3", signature),
                List.of(), null, null, null);
    }
}
