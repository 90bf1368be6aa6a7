package io.frameguard.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.events.AnomalyEvent;
import io.frameguard.events.FrameRef;
import io.frameguard.events.Incident;
import io.frameguard.events.MemoryEntry;
import io.frameguard.events.Recollection;
import io.frameguard.events.Signature;
import io.frameguard.events.SourceMinute;
import io.frameguard.events.Verdict;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The memory's rules: what verdicts on similar past anomalies say about a new one, and its bounds. */
class AnomalyMemoryTest {

    private static final String KIND = "test-4";

    @Test
    void aNewAnomalyIsRecognisedWhenItsConfirmedNeighboursAgreeOnALabel() throws Exception {
        try (AnomalyMemory memory = new AnomalyMemory(100)) {
            memory.remember(entry(event(1, "pump-1", 1, 0.05f)));
            memory.remember(entry(event(2, "pump-2", 1, 0.1f)));
            memory.remember(entry(event(3, "pump-1", 0, 1))); // another kind of fault
            memory.verdict("frames/0/1", verdict(1, Verdict.CONFIRMED, "bearing-wear"));
            memory.verdict("frames/0/2", verdict(2, Verdict.CONFIRMED, "bearing-wear"));
            memory.verdict("frames/0/3", verdict(3, Verdict.CONFIRMED, "belt-slip"));

            AnomalyEvent fresh = event(9, "pump-3", 1, 0.07f);
            Recollection r = memory.recall(fresh.in(new Incident(fresh.eventId(), 1, fresh.detectedTimestamp())), 5, 0.9, 0);
            assertThat(r.similar()).extracting(Recollection.SimilarAnomaly::eventId).startsWith("frames/0/1", "frames/0/2");
            assertThat(r.similar().get(0).verdict()).isEqualTo(Verdict.CONFIRMED);
            assertThat(r.recognisedAs().label()).isEqualTo("bearing-wear");
            assertThat(r.recognisedAs().because()).containsExactlyInAnyOrder("frames/0/1", "frames/0/2");
            assertThat(r.suppressed()).isNull();

            // operators disagree on what the near ones were: no label
            memory.verdict("frames/0/2", verdict(2, Verdict.CONFIRMED, "misalignment"));
            assertThat(memory.recall(event(9, "pump-3", 1, 0.07f), 5, 0.9, 0).recognisedAs()).isNull();
        }
    }

    /**
     * Repeats of a confirmed defect that were recognised stay unjudged incidents, nearer each new repeat than the
     * confirmed one: a new repeat is still recognised by its nearest confirmed incidents (a trial's camera line: the
     * confirmed incident ranked 8th and 12th, and an exact copy of the labelled picture went unrecognised).
     */
    @Test
    void aConfirmedIncidentRecognisesThoughUnjudgedLookAlikesAreNearer() throws Exception {
        try (AnomalyMemory memory = new AnomalyMemory(100)) {
            memory.remember(entry(event(1, "cam-1", 1, 0.2f)));
            memory.verdict("frames/0/1", verdict(1, Verdict.CONFIRMED, "wrong-shade"));
            for (int i = 0; i < 8; i++) { // nearer the next one than the confirmed incident, and unjudged
                memory.remember(entry(event(10 + i, "cam-" + (i % 3), 1, 0.07f + 0.001f * i)));
            }
            Recollection r = memory.recall(event(30, "cam-2", 1, 0.07f), 5, 0.9, 0);
            assertThat(r.similar()).extracting(Recollection.SimilarAnomaly::eventId).doesNotContain("frames/0/1");
            assertThat(r.recognisedAs()).isNotNull();
            assertThat(r.recognisedAs().label()).isEqualTo("wrong-shade");
            assertThat(r.recognisedAs().because()).containsExactly("frames/0/1");
            // the verdict withdrawn (a false alarm after all): nothing recognises it
            memory.verdict("frames/0/1", verdict(1, Verdict.FALSE_ALARM, null));
            assertThat(memory.recall(event(31, "cam-2", 1, 0.07f), 5, 0.9, 0).recognisedAs()).isNull();
            // a new incident confirmed through a member it lists
            memory.remember(entry(event(40, "cam-1", 1, 0.21f)));
            memory.verdict("frames/0/40", verdict(40, Verdict.CONFIRMED, "wrong-shade"));
            assertThat(memory.recall(event(41, "cam-2", 1, 0.07f), 5, 0.9, 0).recognisedAs().because()).containsExactly("frames/0/40");
            memory.forget("frames/0/40");
            assertThat(memory.recall(event(42, "cam-2", 1, 0.07f), 5, 0.9, 0).recognisedAs()).isNull();
            // confirmed through an event it does not list (its source named, its offsets holding it)
            AnomalyEvent newest = event(60, "cam-1", 1, 0.21f);
            memory.remember(new MemoryEntry(MemoryEntry.SCHEMA_VERSION, new Incident("frames/0/50", 11, 1050), "cam-1",
                    newest.detectedTimestamp(), List.of("frames/0/50", "frames/0/60"), newest, null));
            memory.verdict("frames/0/55", new Verdict(Verdict.SCHEMA_VERSION, "frames/0/55", Verdict.CONFIRMED, "wrong-shade",
                    null, "2026-12-02T00:00:00Z", "test", "cam-1"));
            assertThat(memory.recall(event(61, "cam-2", 1, 0.07f), 5, 0.9, 0).recognisedAs().because()).containsExactly("frames/0/50");
            memory.verdict("frames/0/55", null); // the verdict deleted
            assertThat(memory.recall(event(62, "cam-2", 1, 0.07f), 5, 0.9, 0).recognisedAs()).isNull();
            // a verdict that arrived before its incident
            memory.verdict("frames/0/70", verdict(70, Verdict.CONFIRMED, "wrong-shade"));
            memory.remember(entry(event(70, "cam-3", 1, 0.22f)));
            assertThat(memory.recall(event(71, "cam-2", 1, 0.07f), 5, 0.9, 0).recognisedAs().because()).containsExactly("frames/0/70");
        }
    }

    @Test
    void aNewAnomalyIsSuppressedOnlyWhenItsSourcesNearNeighboursWereAllFalseAlarms() throws Exception {
        try (AnomalyMemory memory = new AnomalyMemory(100)) {
            memory.remember(entry(event(1, "door", 1, 0.05f)));
            memory.remember(entry(event(2, "door", 1, 0.1f)));
            memory.remember(entry(event(3, "pump", 1, 0.1f))); // another source's look-alike does not count
            memory.verdict("frames/0/1", verdict(1, Verdict.FALSE_ALARM, null));
            memory.verdict("frames/0/2", verdict(2, Verdict.FALSE_ALARM, null));

            Recollection r = memory.recall(event(9, "door", 1, 0.07f), 5, 0.9, 0.9);
            assertThat(r.suppressed().because()).containsExactlyInAnyOrder("frames/0/1", "frames/0/2");
            assertThat(memory.recall(event(9, "door", 1, 0.07f), 5, 0.9, 0).suppressed()).as("off by default").isNull();
            assertThat(memory.recall(event(9, "pump", 1, 0.07f), 5, 0.9, 0.9).suppressed()).as("one neighbour only").isNull();

            memory.verdict("frames/0/2", verdict(2, Verdict.CONFIRMED, "door-left-open")); // not all false alarms any more
            assertThat(memory.recall(event(9, "door", 1, 0.07f), 5, 0.9, 0.9).suppressed()).isNull();
        }
    }

    @Test
    void theIncidentsSeenLongestAgoAreForgottenFirst() throws Exception {
        try (AnomalyMemory memory = new AnomalyMemory(2)) {
            memory.remember(entry(event(1, "a", 1, 0)));
            memory.verdict("frames/0/1", verdict(1, Verdict.FALSE_ALARM, null));
            memory.remember(entry(event(2, "a", 1, 0.1f)));
            memory.remember(entry(event(3, "a", 1, 0.2f)));
            assertThat(memory.size()).isEqualTo(2);
            assertThat(memory.get("frames/0/1")).isEmpty();
            assertThat(memory.get("frames/0/3").map(r -> memory.similar(r, 5)).orElseThrow())
                    .extracting(Recollection.SimilarAnomaly::eventId).containsExactly("frames/0/2");
            assertThat(memory.recent(Optional.of("a"), 0, 10)).extracting(r -> r.event().eventId())
                    .containsExactly("frames/0/3", "frames/0/2");
        }
    }

    @Test
    void anIncidentAnswersForEveryEventItListsAndAVerdictOnAnyOfThemHoldsForIt() throws Exception {
        try (AnomalyMemory memory = new AnomalyMemory(10)) {
            AnomalyEvent first = event(1, "pump", 1, 0);
            AnomalyEvent third = event(3, "pump", 1, 0.01f).in(new Incident("frames/0/1", 3, first.detectedTimestamp()));
            memory.remember(entry(first));
            // the incident's record, updated by its third event, replaces the first one's
            memory.remember(new MemoryEntry(MemoryEntry.SCHEMA_VERSION, third.incident(), "pump", third.detectedTimestamp(),
                    List.of("frames/0/1", "frames/0/2", "frames/0/3"), third, null));
            memory.remember(entry(event(4, "fan", 1, 0.02f)));
            assertThat(memory.size()).isEqualTo(2);
            assertThat(memory.get("frames/0/2").orElseThrow().entry().id()).isEqualTo("frames/0/1");
            assertThat(memory.get("frames/0/2").orElseThrow().event().eventId()).isEqualTo("frames/0/3");

            memory.verdict("frames/0/2", verdict(2, Verdict.CONFIRMED, "cavitation"));
            assertThat(memory.get("frames/0/3").orElseThrow().verdict().label()).isEqualTo("cavitation");
            Recollection.SimilarAnomaly like = memory.get("frames/0/4").map(r -> memory.similar(r, 5)).orElseThrow().get(0);
            assertThat(like.eventId()).isEqualTo("frames/0/1");
            assertThat(like.count()).isEqualTo(3);
            assertThat(like.label()).isEqualTo("cavitation");
            // a later verdict on another of its events overrides
            memory.verdict("frames/0/3", new Verdict(Verdict.SCHEMA_VERSION, "frames/0/3", Verdict.FALSE_ALARM, null, null,
                    "2026-12-02T00:00:01Z", "test", null));
            assertThat(memory.get("frames/0/1").orElseThrow().verdict().verdict()).isEqualTo(Verdict.FALSE_ALARM);

            // a new event of the incident is not its own neighbour
            AnomalyEvent fifth = event(5, "pump", 1, 0.01f).in(new Incident("frames/0/1", 4, first.detectedTimestamp()));
            assertThat(memory.recall(fifth, 5, 0.9, 0).similar()).extracting(Recollection.SimilarAnomaly::eventId)
                    .containsExactly("frames/0/4");

            memory.forget("frames/0/1"); // a tombstone on the memory topic
            assertThat(memory.get("frames/0/2")).isEmpty();
            memory.forgetSeenBefore(Long.MAX_VALUE);
            assertThat(memory.size()).isZero();
        }
    }

    @Test
    void aClosedMemoryAnswersNothingInsteadOfFailing() throws Exception {
        AnomalyMemory memory = new AnomalyMemory(10);
        memory.remember(entry(event(1, "a", 1, 0)));
        memory.close(); // at shutdown, while the detector may still ask
        assertThat(memory.recall(event(2, "a", 1, 0), 5, 0.9, 0.9)).isEqualTo(Recollection.NONE);
        memory.remember(entry(event(3, "a", 1, 0)));
        assertThat(memory.get("frames/0/1").map(r -> memory.similar(r, 5)).orElseThrow()).isEmpty();
    }

    @Test
    void listingsFilterByStatusSeverityAndTimeAndCountPerSource() throws Exception {
        try (AnomalyMemory memory = new AnomalyMemory(100)) {
            memory.remember(entry(event(1, "pump", 1, 0)));
            memory.remember(entry(event(2, "pump", 0, 1)));
            memory.remember(entry(event(3, "fan", 1, 1)));
            AnomalyEvent suppressed = event(4, "fan", 1, 0.5f).with(new Recollection(List.of(), null,
                    new Recollection.Suppression(List.of("frames/0/3"))));
            memory.remember(entry(suppressed));
            memory.verdict("frames/0/1", verdict(1, Verdict.CONFIRMED, "bearing-wear"));
            memory.verdict("frames/0/3", verdict(3, Verdict.FALSE_ALARM, null));

            assertThat(ids(memory.recent(new AnomalyMemory.Query(null, 0, 0, AnomalyMemory.UNJUDGED, null), 10)))
                    .containsExactly("frames/0/2");
            assertThat(ids(memory.recent(new AnomalyMemory.Query(null, 0, 0, AnomalyMemory.SUPPRESSED, null), 10)))
                    .containsExactly("frames/0/4");
            assertThat(ids(memory.recent(new AnomalyMemory.Query(null, 0, 0, Verdict.CONFIRMED, null), 10)))
                    .containsExactly("frames/0/1");
            assertThat(ids(memory.recent(new AnomalyMemory.Query("fan", 0, 0, null, null), 10)))
                    .containsExactly("frames/0/4", "frames/0/3");
            // last seen at 1000 + offset: [1002, 1004) holds 2 and 3
            assertThat(ids(memory.recent(new AnomalyMemory.Query(null, 1002, 1004, null, null), 10)))
                    .containsExactly("frames/0/3", "frames/0/2");
            assertThat(memory.recent(new AnomalyMemory.Query(null, 0, 0, null, "critical"), 10)).isEmpty();
            assertThat(memory.count(new AnomalyMemory.Query(null, 0, 0, null, "major"))).isEqualTo(4);
            assertThat(memory.recent(new AnomalyMemory.Query(null, 0, 0, null, null), 2)).hasSize(2);

            assertThat(memory.sources()).containsExactly(
                    new AnomalyMemory.SourceCounts("fan", 2, 2, 0, 1, 0, 1, 1004, null, 0),
                    new AnomalyMemory.SourceCounts("pump", 2, 2, 1, 0, 1, 0, 1002, null, 0));
            assertThat(memory.labels()).containsExactly(java.util.Map.entry("bearing-wear", 1));

            // a source's drift status: the latest drift event, listed even without anomalies
            memory.drift("press", new io.frameguard.events.DriftEvent(2, "press", "drift", 0.4, 0.2, "m1", 100, null, 1, 2, 5000));
            assertThat(memory.sources()).extracting(AnomalyMemory.SourceCounts::source, AnomalyMemory.SourceCounts::drift)
                    .contains(org.assertj.core.groups.Tuple.tuple("press", "drift"), org.assertj.core.groups.Tuple.tuple("pump", null));
            memory.drift("press", new io.frameguard.events.DriftEvent(2, "press", "recovered", 0.1, 0.2, "m1", 100, null, 1, 2, 6000));
            assertThat(memory.drift("press")).get().extracting(io.frameguard.events.DriftEvent::status).isEqualTo("recovered");
        }
    }

    @Test
    void familiesGroupAlikeIncidentsAndMapThemApart() throws Exception {
        try (AnomalyMemory memory = new AnomalyMemory(100)) {
            java.util.Random random = new java.util.Random(3);
            long offset = 1;
            // two kinds of fault, five incidents each, and one unlike either
            for (int i = 0; i < 5; i++) {
                memory.remember(entry(event(offset++, "pump-" + i % 2, 1, 0.05f * random.nextFloat())));
                memory.remember(entry(event(offset++, "fan", 0.05f * random.nextFloat(), 1)));
            }
            memory.remember(entry(event(offset, "press", -1, -1)));
            memory.verdict("frames/0/1", verdict(1, Verdict.CONFIRMED, "bearing-wear"));

            AnomalyFamilies.FamilyMap map = memory.families(null, 100, 0.95);
            assertThat(map.kind()).isEqualTo(KIND);
            assertThat(map.considered()).isEqualTo(11);
            assertThat(map.families()).hasSize(2);
            assertThat(map.families()).allSatisfy(f -> assertThat(f.incidents()).isEqualTo(5));
            AnomalyFamilies.Family pumps = map.families().stream().filter(f -> f.sources().contains("pump-0")).findFirst().orElseThrow();
            assertThat(pumps.sources()).containsExactly("pump-0", "pump-1");
            assertThat(pumps.labels()).containsExactly(java.util.Map.entry("bearing-wear", 1));
            assertThat(pumps.statuses()).containsEntry(AnomalyMemory.UNJUDGED, 4).containsEntry(Verdict.CONFIRMED, 1);
            AnomalyFamilies.Point lone = map.points().stream().filter(p -> p.source().equals("press")).findFirst().orElseThrow();
            assertThat(lone.family()).isEqualTo(-1);
            // on the map, members of a family lie closer to each other than to the other family
            java.util.Map<Integer, double[]> centre = new java.util.HashMap<>();
            for (AnomalyFamilies.Point p : map.points()) {
                if (p.family() >= 0) {
                    double[] c = centre.computeIfAbsent(p.family(), f -> new double[3]);
                    c[0] += p.x();
                    c[1] += p.y();
                    c[2]++;
                }
            }
            double[] a = centre.get(0);
            double[] b = centre.get(1);
            double apart = Math.hypot(a[0] / a[2] - b[0] / b[2], a[1] / a[2] - b[1] / b[2]);
            for (AnomalyFamilies.Point p : map.points()) {
                if (p.family() >= 0) {
                    double[] c = centre.get(p.family());
                    assertThat(Math.hypot(p.x() - c[0] / c[2], p.y() - c[1] / c[2])).isLessThan(apart / 4);
                }
            }
            assertThat(memory.families(null, 4, 0.95).considered()).as("the newest only").isEqualTo(4);
            assertThat(memory.families("another-kind", 100, 0.95).points()).isEmpty();
        }
    }

    @Test
    void aSourcesHistoryKeepsTheLatestRecordOfEachMinuteForSixHours() throws Exception {
        try (AnomalyMemory memory = new AnomalyMemory(10)) {
            long t0 = (System.currentTimeMillis() / SourceMinute.MINUTE_MS - 400) * SourceMinute.MINUTE_MS; // 400 minutes ago
            memory.history(minute("pump", t0, 10, 1.0));
            memory.history(minute("pump", t0, 25, 1.1)); // the same minute, later: the whole minute so far
            memory.history(minute("fan", t0, 5, 2.0));
            assertThat(memory.history("pump", 0)).extracting(SourceMinute::frames).containsExactly(25L);
            for (int m = 1; m <= AnomalyMemory.HISTORY_MINUTES; m++) {
                memory.history(minute("pump", t0 + m * SourceMinute.MINUTE_MS, m, 1.0));
            }
            List<SourceMinute> kept = memory.history("pump", 0);
            assertThat(kept).hasSize(AnomalyMemory.HISTORY_MINUTES);
            assertThat(kept.get(0).minute()).as("the oldest forgotten").isEqualTo(t0 + SourceMinute.MINUTE_MS);
            assertThat(memory.history("pump", t0 + 300 * SourceMinute.MINUTE_MS + 5)).hasSize(AnomalyMemory.HISTORY_MINUTES - 299);
            assertThat(memory.history("fan", 0)).hasSize(1);
            assertThat(memory.history("press", 0)).isEmpty();
        }
    }

    @Test
    void aRecordThatCouldSendAVerdictElsewhereIsNotTaken() throws Exception {
        try (AnomalyMemory memory = new AnomalyMemory(10)) {
            AnomalyEvent e = event(1, "pump", 1, 0);
            // its event is not one of its own: a verdict given through it would land on frames/0/2
            memory.remember(new MemoryEntry(MemoryEntry.SCHEMA_VERSION, new Incident("frames/0/2", 1, 1), "pump", 1,
                    List.of("frames/0/2"), e, null));
            assertThat(memory.size()).isZero();
            // ids that, in a URL path, would name something else
            for (String id : List.of("../0/1", "./0/1", "frames/0/1/../../x/0/5", "frames/a/1")) {
                assertThat(io.frameguard.events.Verdict.eventId(id)).as(id).isFalse();
            }
            assertThat(io.frameguard.events.Verdict.eventId("frames.v2/0/1")).isTrue();
            memory.remember(entry(e));
            assertThat(memory.size()).isOne();
        }
    }

    @Test
    void anIncidentWhoseNewestRecordIsNotTakenIsForgottenAsAReplicaReadingTheCompactedTopicWouldHaveIt() throws Exception {
        try (AnomalyMemory memory = new AnomalyMemory(10)) {
            AnomalyEvent e = event(1, "pump", 1, 0);
            memory.remember(entry(e));
            assertThat(memory.size()).isOne();
            // the incident's next record names an event that is not one of its members: after compaction it is the only
            // record of the incident, so a replica that starts then has nothing of it; one that read both must agree
            memory.remember(new MemoryEntry(MemoryEntry.SCHEMA_VERSION, new Incident(e.eventId(), 2, 1), "pump", 2,
                    List.of("frames/0/2"), e, null));
            assertThat(memory.size()).isZero();
            assertThat(memory.get(e.eventId())).isEmpty();
        }
    }

    @Test
    void theHistoryTakesOnlyWholeMinutesNotFromTheFutureAndForgetsQuietSources() throws Exception {
        try (AnomalyMemory memory = new AnomalyMemory(10)) {
            long now = System.currentTimeMillis();
            long minute = now - now % SourceMinute.MINUTE_MS;
            memory.history(minute("pump", minute + 1, 1, 1.0)); // not the start of a minute
            memory.history(minute("pump", minute + 60 * SourceMinute.MINUTE_MS, 1, 1.0)); // an hour ahead
            assertThat(memory.history("pump", 0)).isEmpty();
            memory.history(minute("pump", minute, 1, 1.0));
            memory.history(minute("fan", minute - 400 * SourceMinute.MINUTE_MS, 1, 1.0));
            memory.drift("fan", new io.frameguard.events.DriftEvent(2, "fan", "drift", 0.4, 0.2, "m1", 100, null, 1, 2,
                    now - 400 * SourceMinute.MINUTE_MS));
            memory.forgetHistoryBefore(now - AnomalyMemory.HISTORY_MINUTES * SourceMinute.MINUTE_MS);
            assertThat(memory.history("fan", 0)).isEmpty();
            assertThat(memory.drift("fan")).isEmpty();
            assertThat(memory.history("pump", 0)).hasSize(1);
        }
    }

    @Test
    void beyondItsSourcesTheHistoryForgetsASourceThatStoppedReportingForANewOne() throws Exception {
        long t0 = System.currentTimeMillis() / SourceMinute.MINUTE_MS * SourceMinute.MINUTE_MS - 20 * SourceMinute.MINUTE_MS;
        try (AnomalyMemory memory = new AnomalyMemory(100, 2)) {
            memory.history(minute("pump", t0, 10, 1.0));
            memory.history(minute("fan", t0, 10, 1.0));
            memory.history(minute("pump", t0 + 9 * SourceMinute.MINUTE_MS, 10, 1.0)); // the pump reported last now
            memory.history(minute("gear", t0 + 10 * SourceMinute.MINUTE_MS, 10, 1.0)); // the fan has reported nothing for ten minutes
            assertThat(memory.history("fan", 0)).isEmpty();
            assertThat(memory.history("pump", 0)).hasSize(2);
            assertThat(memory.history("gear", 0)).hasSize(1);
            // a flood of new sources (keys are the frames' own) neither grows the heap nor pushes out sources reporting
            for (int i = 0; i < 10_000; i++) {
                memory.history(minute("random-" + i, t0 + 11 * SourceMinute.MINUTE_MS, 1, 1.0));
                memory.drift("random-" + i, new io.frameguard.events.DriftEvent(2, "random-" + i, "drift", 0.4, 0.2, "m1", 100,
                        null, 1, 2, t0));
            }
            assertThat(memory.history("random-9999", 0)).isEmpty();
            assertThat(memory.history("pump", 0)).hasSize(2);
            assertThat(memory.history("gear", 0)).hasSize(1);
            assertThat(memory.drift("random-1")).isPresent();
            assertThat(memory.drift("random-2")).isEmpty();
        }
    }

    /**
     * Whether a new source takes an idle one's place is told by the minutes' own times: a replica reading the history
     * topic hours later (after a restart) keeps the sources that a replica reading it as it came kept. By this
     * replica's clock, every source of the replayed minutes looked idle and the new one took its place: the two answered
     * differently.
     */
    @Test
    void aReplicaReadingTheHistoryLaterKeepsTheSourcesOneReadingItAsItCameKept() throws Exception {
        long now = System.currentTimeMillis() / SourceMinute.MINUTE_MS * SourceMinute.MINUTE_MS;
        for (long hoursAgo : new long[] {0, 5}) {
            long t0 = now - hoursAgo * 60 * SourceMinute.MINUTE_MS - 5 * SourceMinute.MINUTE_MS;
            try (AnomalyMemory memory = new AnomalyMemory(100, 2)) {
                memory.history(minute("pump", t0, 10, 1.0));
                memory.history(minute("fan", t0, 10, 1.0));
                memory.history(minute("gear", t0 + 2 * SourceMinute.MINUTE_MS, 10, 1.0)); // the pump reported two minutes before
                assertThat(memory.history("gear", 0)).as("%d hours later", hoursAgo).isEmpty();
                assertThat(memory.history("pump", 0)).as("%d hours later", hoursAgo).hasSize(1);
                assertThat(memory.history("fan", 0)).as("%d hours later", hoursAgo).hasSize(1);
            }
        }
    }

    /**
     * A long incident lists its first and newest events only; a verdict on one between them, naming the frame's source
     * (as the API and the CLI write them), holds for the incident whether it arrives before or after the incident's
     * record, and an event of another source in the same offsets is not the incident's.
     */
    @Test
    void aVerdictOnAnEventTheIncidentDoesNotListHoldsForItByTheFramesSource() throws Exception {
        AnomalyEvent first = event(100, "pump-2", 1, 0);
        AnomalyEvent newest = event(900, "pump-2", 1, 0);
        MemoryEntry incident = new MemoryEntry(MemoryEntry.SCHEMA_VERSION, new Incident(first.eventId(), 300, 1100), "pump-2",
                newest.detectedTimestamp(), List.of(first.eventId(), "frames/0/880", newest.eventId()), newest, null);
        Verdict between = new Verdict(Verdict.SCHEMA_VERSION, "frames/0/660", Verdict.FALSE_ALARM, null, null,
                "2026-12-02T00:00:00Z", "test", "pump-2");
        for (boolean verdictFirst : new boolean[] {false, true}) {
            try (AnomalyMemory memory = new AnomalyMemory(100)) {
                memory.remember(entry(event(500, "pump-1", 0, 1))); // another source's incident within the same offsets
                if (verdictFirst) {
                    memory.verdict(between.eventId(), between);
                }
                memory.remember(incident);
                if (!verdictFirst) {
                    memory.verdict(between.eventId(), between);
                }
                assertThat(memory.get(first.eventId()).orElseThrow().status()).as("verdict first: %s", verdictFirst)
                        .isEqualTo(Verdict.FALSE_ALARM);
                assertThat(memory.get("frames/0/660")).as("not listed").isEmpty();
                assertThat(memory.get("frames/0/660", "pump-2").orElseThrow().entry().id()).isEqualTo(first.eventId());
                assertThat(memory.get("frames/0/660", "pump-1")).as("pump-1's incident holds only its own event").isEmpty();
                assertThat(memory.get("frames/0/901", "pump-2")).as("after the newest event").isEmpty();
                assertThat(memory.get("frames/1/660", "pump-2")).as("another partition").isEmpty();
                assertThat(memory.spans("frames/0/660")).as("worth reading its frame's source").isTrue();
                assertThat(memory.spans("frames/0/99")).as("before every incident: no event of one").isFalse();
                assertThat(memory.spans("frameguard.models/0/660")).isFalse();
                assertThat(memory.get("frames/0/500").orElseThrow().status()).isEqualTo(AnomalyMemory.UNJUDGED);

                // the same offsets named with another source judge nothing of pump-2's incident, and a withdrawn verdict none
                memory.verdict("frames/0/661", new Verdict(Verdict.SCHEMA_VERSION, "frames/0/661", Verdict.CONFIRMED, "x",
                        null, "2026-12-03T00:00:00Z", "test", "pump-1"));
                assertThat(memory.get(first.eventId()).orElseThrow().status()).isEqualTo(Verdict.FALSE_ALARM);
                memory.verdict(between.eventId(), null);
                assertThat(memory.get(first.eventId()).orElseThrow().status()).isEqualTo(AnomalyMemory.UNJUDGED);
            }
        }
        // an incident whose source's frames moved partition (partitions added) holds only the events it lists: its
        // offsets are of two sequences
        try (AnomalyMemory memory = new AnomalyMemory(100)) {
            FrameRef moved = new FrameRef("frames", 1, 900);
            AnomalyEvent later = new AnomalyEvent(newest.schemaVersion(), moved.id(), "pump-2", moved, 900, 900, 2000, 5, 1, 1,
                    "m1", "major", newest.window(), null, newest.signature(), List.of(), null, null, null);
            memory.remember(new MemoryEntry(MemoryEntry.SCHEMA_VERSION, new Incident(first.eventId(), 2, 1100), "pump-2",
                    later.detectedTimestamp(), List.of(first.eventId(), later.eventId()), later, null));
            memory.verdict(between.eventId(), between);
            assertThat(memory.get("frames/0/660", "pump-2")).isEmpty();
            assertThat(memory.get(first.eventId()).orElseThrow().status()).isEqualTo(AnomalyMemory.UNJUDGED);
        }
    }

    private static SourceMinute minute(String source, long start, long frames, double threshold) {
        return new SourceMinute(SourceMinute.SCHEMA_VERSION, source, start, frames, 2 * threshold, threshold / 2, threshold, 0, "m1");
    }

    private static List<String> ids(List<AnomalyMemory.Remembered> rs) {
        return rs.stream().map(r -> r.event().eventId()).toList();
    }

    /**
     * {@link AnomalyMemory#spans} answers as a look at every incident would, for incidents of many sources interleaved
     * on one partition, some long, as they are forgotten and replaced.
     */
    @Test
    void spansAnswersAsEveryIncidentLookedAtWould() throws Exception {
        java.util.Random random = new java.util.Random(7);
        try (AnomalyMemory memory = new AnomalyMemory(300)) {
            java.util.Map<String, long[]> held = new java.util.LinkedHashMap<>(); // incident id -> [first, newest] on frames/0
            for (int i = 0; i < 600; i++) {
                long first = random.nextInt(100_000);
                long newest = first + (random.nextInt(10) == 0 ? random.nextInt(20_000) : random.nextInt(50));
                AnomalyEvent start = event(first, "s" + random.nextInt(20), 0, 1);
                AnomalyEvent last = event(newest, start.source(), 0, 1);
                memory.remember(new MemoryEntry(MemoryEntry.SCHEMA_VERSION, new Incident(start.eventId(), 2, last.detectedTimestamp()),
                        start.source(), last.detectedTimestamp(), List.of(start.eventId(), last.eventId()), last, null));
                held.remove(start.eventId()); // a record of a remembered incident replaces it, newest now
                held.put(start.eventId(), new long[] {first, newest});
                if (held.size() > 300) { // the memory forgets the oldest beyond its 300
                    held.remove(held.keySet().iterator().next());
                }
                if (i % 50 == 0) {
                    String replaced = new java.util.ArrayList<>(held.keySet()).get(random.nextInt(held.size()));
                    memory.forget(replaced);
                    held.remove(replaced);
                }
            }
            for (int q = 0; q < 2_000; q++) {
                long offset = random.nextInt(125_000);
                boolean expected = held.values().stream().anyMatch(r -> r[0] <= offset && offset <= r[1]);
                assertThat(memory.spans("frames/0/" + offset)).as("offset %d", offset).isEqualTo(expected);
                assertThat(memory.spans("frames/1/" + offset)).isFalse();
            }
        }
    }

    private static AnomalyEvent event(long offset, String source, float x, float y) {
        FrameRef f = new FrameRef("frames", 0, offset);
        return new AnomalyEvent(AnomalyEvent.SCHEMA_VERSION, f.id(), source, f, offset, offset, 1000 + offset, 5, 1, 1, "m1",
                "major", new AnomalyEvent.Window(1, 1, 1), null, new Signature(KIND, new float[] {x, y, 0.1f, 0}),
                List.of(), null, null, null);
    }

    /** The memory record of an incident of one event. */
    private static MemoryEntry entry(AnomalyEvent e) {
        return new MemoryEntry(MemoryEntry.SCHEMA_VERSION, new Incident(e.eventId(), 1, e.detectedTimestamp()), e.source(),
                e.detectedTimestamp(), List.of(e.eventId()), e, null);
    }

    private static Verdict verdict(long offset, String verdict, String label) {
        return new Verdict(Verdict.SCHEMA_VERSION, "frames/0/" + offset, verdict, label, null, "2026-12-02T00:00:00Z", "test", null);
    }
}
