package io.frameguard.retraining;

import io.frameguard.datasets.FrameFile;
import io.frameguard.detection.ThresholdPolicy;
import io.frameguard.events.AnomalyEvent;
import io.frameguard.events.FrameRef;
import io.frameguard.events.ScoreBatch;
import io.frameguard.events.ScoreRecord;
import io.frameguard.events.Topic;
import io.frameguard.events.TopicRanges;
import io.frameguard.events.Topics;
import io.frameguard.events.Verdict;
import io.frameguard.frames.FrameDecodeException;
import io.frameguard.frames.FrameDecoders;
import io.frameguard.frames.FrameShape;
import io.frameguard.training.NotEnoughDataException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jboss.logging.Logger;

/**
 * The trainer's data: the most recent frames that the service scored outside fault episodes, those it reported kept
 * for the threshold only, unless operators said what they were.
 *
 * <p>Reads, with read_committed, the newest scores ({@code maxFrames} of them, shared over the scores partitions; when
 * fewer than {@code maxFrames} of them are kept, twice as many, and so on up to {@value #READ_BACK} times as many, so
 * that a fault filling the newest frames does not leave the candidate only the few normal frames beside it), the
 * anomaly events since the oldest of them, the operators' verdicts (the whole compacted topic, the
 * latest verdict per event), and then the scored frames themselves from the frames topic, decoded by the service's own
 * decoders. A frame that went to the dead-letter topic has no score and is never read. Nor is a frame of a source's
 * fault episode, reported or not: a fault that lasts sends frames under the threshold too, and a model trained on them
 * learns the fault, so that each retraining while it lasts reports less of it. A frame is in an episode when a quarter
 * or more of its source's 16 or 64 frames up to it, or from it on, were reported (the rule by which the detector holds
 * a source's threshold, {@link ThresholdPolicy#faultEpisode}, read both ways: the frames before a fault's first report
 * are the fault's too). A reported frame's fate is the verdict that holds for its event's incident (the latest given on
 * any of its events, as in the anomaly memory): a false alarm is trained on (the model should learn it is normal, and a
 * lasting change that operators judge the new normal is learned once they say so), a confirmed anomaly is left out,
 * and a report outside fault episodes that nobody judged is kept but not learnt ({@link Sample#notFitted}): the
 * candidate's threshold is set on frames as they came, reports included, and not on those the serving model's
 * threshold let through, whose quantile sits lower than the serving threshold, so that each retraining would report
 * more normal frames than the one before. The newest {@code maxFrames} frames kept are used, ordered by capture time,
 * and the newest {@code holdoutFraction} of them are held out for the champion/challenger comparison: that share of the
 * frames operators judged normal (reports judged false alarms and the frames of the episodes they made,
 * {@link #judgedNormal}) and that share of the others, each, since a change that operators judge the new normal is the
 * newest data when they judge it and, held out whole, would never be learnt.
 */
public final class RecentNormalFrames {

    /**
     * Most times an epoch shows a frame that operators judged normal ({@link #timesLearnt}): a few judged frames among
     * many others are learnt from repeatedly, not by heart.
     */
    public static final int MAX_TIMES_LEARNT = 20;

    /** Most scored frames read, as a multiple of {@code maxFrames}, looking for that many to keep. */
    public static final int READ_BACK = 4;

    /** The first step back from a partition's end reads its quota of frames divided by this in records. */
    private static final int RECORDS_PER_STEP_DIVISOR = 16;


    /**
     * @param train frames to train on (older), of which those {@code notFitted} only set the threshold when the trainer
     *     holds them out ({@link io.frameguard.training.AutoencoderTrainer#train(FrameFile, boolean[], java.nio.file.Path,
     *     String)})
     * @param timesLearnt per frame of {@code train}, how many times an epoch shows it ({@link #timesLearnt}): frames
     *     operators judged normal more often than the others
     * @param holdout held-out frames, row-major, in capture order: the newest of the frames judged normal and the
     *     newest of the others
     * @param scored frames' scores read; {@code reported} of them had anomaly events, {@code inFaultEpisodes} others were
     *     among them (left out too), {@code confirmed} of the reports' incidents judged anomalies (left out);
     *     {@code kept} frames decoded, {@code reportedAlone} of them reported outside fault
     *     episodes with no verdict (in {@code train}, not fitted, or held out)
     */
    public record Sample(FrameFile train, boolean[] notFitted, int[] timesLearnt, float[] holdout, int holdoutRows, int scored, int reported,
            int falseAlarms, int confirmed, int inFaultEpisodes, int kept, int reportedAlone, long oldestCaptureTs,
            long newestCaptureTs) {

        public String summary() {
            return String.format("%d recent frames outside fault episodes (of %d scored, %d reported as anomalies, %d of "
                    + "those marked false alarms and %d confirmed; %d unreported frames of fault episodes left out; %d "
                    + "reports outside them nobody judged kept for the threshold, not learnt), captured %s to %s", kept,
                    scored, reported, falseAlarms, confirmed, inFaultEpisodes, reportedAlone,
                    java.time.Instant.ofEpochMilli(oldestCaptureTs), java.time.Instant.ofEpochMilli(newestCaptureTs));
        }
    }

    /** A scored frame: its source, capture time and place on the frames topic. */
    private record ScoredFrame(String source, long captured, int partition, long offset) {}

    private RecentNormalFrames() {}

    /**
     * The frames of {@code dim} values a run reads at most: {@code maxFrames}, or fewer where their values would take
     * more than {@value #HEAP_SHARE} of the heap (a run holds them twice while it splits them, and training copies them
     * again) or more than one array can hold.
     */
    static int framesTheHeapHolds(int maxFrames, int dim, long heap) {
        long byHeap = heap / HEAP_SHARE / ((long) dim * Float.BYTES);
        long byArray = (Integer.MAX_VALUE - 8L) / dim;
        return (int) Math.min(maxFrames, Math.min(byHeap, byArray));
    }

    /** The share of the heap, as a divisor, a run's frames may take ({@link #framesTheHeapHolds}). */
    private static final int HEAP_SHARE = 4;

    /** Where a frame is, packed: partition in the high bits, offset in the low 48. */
    private static long coordinate(int partition, long offset) {
        return ((long) partition << 48) | offset;
    }

    public static Sample read(Map<String, Object> clientConfig, Topics topics, FrameShape shape, List<String> featureNames,
            FrameDecoders decoders, int maxFrames, double holdoutFraction, int minFrames, Duration timeout) throws IOException {
        int fit = framesTheHeapHolds(maxFrames, shape.dim(), Runtime.getRuntime().maxMemory());
        if (fit < maxFrames) {
            Logger.getLogger(RecentNormalFrames.class).warnf("reading the newest %d frames, not %d (--max-frames): %d frames "
                    + "of %d values are more than this Java heap of %.1f GB can hold for training (raise the trainer's memory "
                    + "or lower --max-frames)", fit, maxFrames, maxFrames, shape.dim(), Runtime.getRuntime().maxMemory() / 1e9);
            maxFrames = fit;
        }
        if (maxFrames < minFrames) {
            // the run fails (counted, alerted on): the data is there, the trainer's memory is what is wanting
            throw new IllegalStateException(String.format("this Java heap of %.1f GB holds only %d frames of %d values for "
                    + "training; at least %d (--min-frames) are needed: raise the trainer's memory",
                    Runtime.getRuntime().maxMemory() / 1e9, maxFrames, shape.dim(), minFrames));
        }
        Map<String, Object> c = new HashMap<>(clientConfig);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "frameguard-trainer-reader-" + UUID.randomUUID());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Properties props = new Properties();
        props.putAll(c);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            // 1-2. The newest scored frames, and which of them are kept. A fault that fills most of them leaves few: the
            // scores are then read further back, twice as far each time, until maxFrames are kept, READ_BACK times
            // maxFrames were read, or all there is.
            int wanted = maxFrames;
            Selection selected = select(consumer, topics, wanted, timeout);
            while (selected.candidates() < maxFrames && selected.more() && wanted < READ_BACK * maxFrames) {
                wanted = (int) Math.min((long) READ_BACK * maxFrames, 2L * wanted);
                selected = select(consumer, topics, wanted, timeout);
            }
            Set<Long> left = selected.left();
            Set<Long> alone = selected.reportedAlone();
            Set<Long> judgedNormal = selected.judgedNormal();
            int inFaultEpisodes = selected.inFaultEpisodes();
            int[] scored = {selected.scored()};
            int reportedCount = selected.reportedCount();
            int falseAlarms = selected.falseAlarms();
            int confirmed = selected.confirmed();
            // the newest maxFrames of the frames kept
            Map<Integer, TreeMap<Long, Long>> scoredByPartition = newest(selected.scoredByPartition(), left, maxFrames);

            // 3. The frames kept themselves.
            int dim = shape.dim();
            int candidates = 0;
            for (Map.Entry<Integer, TreeMap<Long, Long>> e : scoredByPartition.entrySet()) {
                for (long offset : e.getValue().keySet()) {
                    if (!left.contains(coordinate(e.getKey(), offset))) {
                        candidates++;
                    }
                }
            }
            if (candidates < minFrames) {
                throw new NotEnoughDataException(String.format("only %d recent frames outside fault episodes and not "
                        + "confirmed anomalies (%d scored, %d reported as anomalies, %d confirmed, %d unreported frames in "
                        + "fault episodes); at least %d are needed to retrain", candidates, scored[0], reportedCount,
                        confirmed, inFaultEpisodes, minFrames));
            }
            final int capacity = candidates;
            float[] values = new float[Math.multiplyExact(capacity, dim)];
            long[] captured = new long[candidates];
            boolean[] isAlone = new boolean[candidates];
            boolean[] isJudgedNormal = new boolean[candidates];
            int[] kept = {0};
            Map<TopicPartition, Long> frameStarts = new HashMap<>();
            Map<TopicPartition, Long> frameEnds = new HashMap<>();
            for (Map.Entry<Integer, TreeMap<Long, Long>> e : scoredByPartition.entrySet()) {
                TopicPartition tp = new TopicPartition(topics.frames().name(), e.getKey());
                frameStarts.put(tp, e.getValue().firstKey());
                frameEnds.put(tp, e.getValue().lastKey() + 1);
            }
            TopicRanges.read(consumer, frameStarts, frameEnds, timeout, r -> {
                TreeMap<Long, Long> scoredHere = scoredByPartition.get(r.partition());
                if (kept[0] == capacity || !scoredHere.containsKey(r.offset())
                        || left.contains(coordinate(r.partition(), r.offset()))) {
                    return;
                }
                try {
                    decoders.decode(r.key(), r.value(), r.headers(), values, kept[0] * dim, shape);
                    captured[kept[0]] = r.timestamp();
                    isAlone[kept[0]] = alone.contains(coordinate(r.partition(), r.offset()));
                    isJudgedNormal[kept[0]] = judgedNormal.contains(coordinate(r.partition(), r.offset()));
                    kept[0]++;
                } catch (FrameDecodeException ex) {
                    // scored once, so decodable; a frame the decoders now refuse is simply not used
                }
            });
            int n = kept[0];
            if (n < minFrames) {
                throw new NotEnoughDataException("only " + n + " of " + capacity + " recent frames kept could be read "
                        + "back from " + topics.frames().name() + " (retention?); at least " + minFrames + " are needed to retrain");
            }

            // 4. Oldest first; the newest share of the frames judged normal and of the others held out.
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            Arrays.sort(order, Comparator.comparingLong(i -> captured[i]));
            boolean[] judged = new boolean[n];
            for (int i = 0; i < n; i++) {
                judged[i] = isJudgedNormal[order[i]];
            }
            boolean[] held = heldOut(judged, holdoutFraction);
            int holdoutRows = 0;
            for (boolean h : held) {
                holdoutRows += h ? 1 : 0;
            }
            int trainRows = n - holdoutRows;
            float[] trainValues = new float[trainRows * dim];
            float[] holdout = new float[holdoutRows * dim];
            boolean[] notFitted = new boolean[trainRows];
            boolean[] judgedTrain = new boolean[trainRows];
            int reportedAlone = 0;
            for (int i = 0, t = 0, h = 0; i < n; i++) {
                reportedAlone += isAlone[order[i]] ? 1 : 0;
                if (held[i]) {
                    System.arraycopy(values, order[i] * dim, holdout, h++ * dim, dim);
                } else {
                    notFitted[t] = isAlone[order[i]];
                    judgedTrain[t] = judged[i];
                    System.arraycopy(values, order[i] * dim, trainValues, t++ * dim, dim);
                }
            }
            FrameFile train = new FrameFile(dim, trainRows, trainValues, featureNames, shape.image());
            return new Sample(train, notFitted, timesLearnt(judgedTrain, notFitted), holdout, holdoutRows, scored[0], reportedCount,
                    falseAlarms, confirmed, inFaultEpisodes, n, reportedAlone, captured[order[0]], captured[order[n - 1]]);
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new IOException("cannot read recent frames from Kafka: " + e.getMessage(), e);
        }
    }

    /**
     * The newest {@code wanted} scored frames (an even share per scores partition, what a partition lacks going to the
     * others), the anomaly events since the oldest of them, the verdicts on those events and their incidents, and the
     * frames left out: in a fault episode, or reported and confirmed an anomaly.
     *
     * @param scoredByPartition frames partition -> offset -> capture time, of every frame read
     * @param left the frames left out, as {@link #coordinate}s
     * @param reportedAlone reported frames outside fault episodes whose incident has no verdict: kept, but not to be
     *     learnt (they set the threshold with the others)
     * @param judgedNormal frames operators judged normal ({@link #judgedNormal}): learnt, and held out apart
     * @param more whether the scores partitions hold older frames than those read
     */
    private record Selection(Map<Integer, TreeMap<Long, Long>> scoredByPartition, Set<Long> left, Set<Long> reportedAlone,
            Set<Long> judgedNormal, int scored, int reportedCount, int falseAlarms, int confirmed, int inFaultEpisodes, boolean more) {

        /** Frames read that are not left out. */
        int candidates() {
            int n = 0;
            for (Map.Entry<Integer, TreeMap<Long, Long>> e : scoredByPartition.entrySet()) {
                for (long offset : e.getValue().keySet()) {
                    n += left.contains(coordinate(e.getKey(), offset)) ? 0 : 1;
                }
            }
            return n;
        }
    }

    private static Selection select(KafkaConsumer<byte[], byte[]> consumer, Topics topics, int wanted, Duration timeout)
            throws IOException {
        // 1. The newest scores: frame coordinates and capture times.
        Map<Integer, TreeMap<Long, Long>> scoredByPartition = new HashMap<>(); // frames partition -> offset -> capture time
        Map<String, List<ScoredFrame>> scoredBySource = new HashMap<>();
        int[] scored = {0};
        List<TopicPartition> scoreParts = partitions(consumer, topics.scores().name());
        int quota = Math.max(1, wanted / scoreParts.size());
        Map<TopicPartition, Long> ends = consumer.endOffsets(scoreParts, timeout);
        Map<TopicPartition, Long> begins = consumer.beginningOffsets(scoreParts, timeout);
        // A record holds one or more frames' scores (a source's frames of a scorer batch): each partition's newest
        // quota frames are read back from its end in steps that double, so a partition of large records is not
        // read far past what it needs. Newest step first. The quota starts as an even share of wanted; what the
        // partitions holding fewer frames leave goes to the others (a few sources keyed onto a few partitions).
        Map<TopicPartition, ArrayDeque<List<ScoredFrame>>> steps = new HashMap<>();
        Map<TopicPartition, Integer> found = new HashMap<>();
        Map<TopicPartition, Long> from = new HashMap<>(ends);
        long step = Math.max(1, quota / RECORDS_PER_STEP_DIVISOR);
        while (true) {
            Map<TopicPartition, Long> starts = new HashMap<>();
            Map<TopicPartition, Long> until = new HashMap<>();
            for (TopicPartition tp : scoreParts) {
                if (found.getOrDefault(tp, 0) < quota && from.get(tp) > begins.get(tp)) {
                    starts.put(tp, Math.max(begins.get(tp), from.get(tp) - step));
                    until.put(tp, from.get(tp));
                }
            }
            if (starts.isEmpty()) {
                int total = 0;
                int canGiveMore = 0;
                for (TopicPartition tp : scoreParts) {
                    int f = found.getOrDefault(tp, 0);
                    total += Math.min(f, quota);
                    // read past its quota already, or not read to its beginning yet
                    canGiveMore += f > quota || f == quota && from.get(tp) > begins.get(tp) ? 1 : 0;
                }
                // a remainder smaller than the partitions that could give it is not worth their reading
                if (canGiveMore == 0 || wanted - total < canGiveMore) {
                    break;
                }
                quota += (wanted - total) / canGiveMore;
                continue;
            }
            Map<TopicPartition, List<ScoredFrame>> read = new HashMap<>();
            TopicRanges.read(consumer, starts, until, timeout, r -> {
                ScoreBatch batch = readOrNull(topics.scores(), r.value());
                // the detector's source is the record's key
                String key = r.key() == null ? null : new String(r.key(), java.nio.charset.StandardCharsets.UTF_8);
                for (ScoreRecord s : batch == null ? List.<ScoreRecord>of() : batch.scores()) {
                    if (s.frame() != null && topics.frames().name().equals(s.frame().topic())) {
                        read.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), tp -> new ArrayList<>())
                                .add(new ScoredFrame(key != null ? key : s.source(), s.captureTimestamp(),
                                        s.frame().partition(), s.frame().offset()));
                    }
                }
            });
            for (TopicPartition tp : starts.keySet()) {
                List<ScoredFrame> frames = read.getOrDefault(tp, List.of());
                steps.computeIfAbsent(tp, x -> new ArrayDeque<>()).addFirst(frames);
                found.merge(tp, frames.size(), Integer::sum);
                from.put(tp, starts.get(tp));
            }
            step *= 2;
        }
        for (ArrayDeque<List<ScoredFrame>> partition : steps.values()) {
            // oldest first: a source's frames in the order the detector judged them (its scores, keyed by the
            // source, are on one partition)
            List<ScoredFrame> all = new ArrayList<>();
            partition.forEach(all::addAll);
            for (ScoredFrame f : all.subList(Math.max(0, all.size() - quota), all.size())) {
                scoredByPartition.computeIfAbsent(f.partition(), p -> new TreeMap<>()).put(f.offset(), f.captured());
                if (f.source() != null) {
                    scoredBySource.computeIfAbsent(f.source(), x -> new ArrayList<>()).add(f);
                }
                scored[0]++;
            }
        }
        long oldest = scoredByPartition.values().stream().flatMap(m -> m.values().stream()).min(Long::compare).orElse(0L);

        // 2. Anomaly events since then, by incident: those frames are never trained on.
        Set<Long> reported = new HashSet<>();
        Map<String, List<FrameRef>> incidents = new HashMap<>(); // incident id -> its reported frames
        List<TopicPartition> eventParts = partitions(consumer, topics.anomalies().name());
        Map<TopicPartition, Long> eventStarts = TopicRanges.offsetsAt(consumer, eventParts, oldest, timeout);
        Map<TopicPartition, Long> eventEnds = consumer.endOffsets(eventParts, timeout);
        TopicRanges.read(consumer, eventStarts, eventEnds, timeout, r -> {
            AnomalyEvent.Reference event = AnomalyEvent.referenceOf(r.value());
            if (event != null && topics.frames().name().equals(event.frame().topic())) {
                reported.add(coordinate(event.frame().partition(), event.frame().offset()));
                incidents.computeIfAbsent(event.incidentId(), i -> new ArrayList<>()).add(event.frame());
            }
        });

        // 2b. Operators' verdicts: the reports of an incident marked a false alarm are normal data after all. As in
        // the anomaly memory, the verdict that holds for an incident is the latest given on it (its first event) or
        // on any of its events (here: those read, since the oldest frame).
        int reportedCount = reported.size();
        Set<Long> confirmed = new HashSet<>();
        Set<Long> judgedFalseAlarms = new HashSet<>();
        Set<String> judged = new HashSet<>(incidents.keySet());
        incidents.values().forEach(frames -> frames.forEach(f -> judged.add(f.id())));
        Map<String, Verdict> verdicts = latestVerdicts(consumer, topics, judged, timeout);
        incidents.forEach((incident, frames) -> {
            Verdict holding = verdicts.get(incident);
            for (FrameRef frame : frames) {
                holding = Verdict.later(holding, verdicts.get(frame.id()));
            }
            if (holding != null && holding.falseAlarm()) {
                frames.forEach(frame -> {
                    reported.remove(coordinate(frame.partition(), frame.offset()));
                    judgedFalseAlarms.add(coordinate(frame.partition(), frame.offset()));
                });
            } else if (holding != null) {
                frames.forEach(frame -> confirmed.add(coordinate(frame.partition(), frame.offset())));
            }
        });
        int falseAlarms = reportedCount - reported.size();

        // 2c. Each source's fault episodes (reports judged false alarms do not count), left out whole. A report outside
        // them that nobody judged may be a false alarm or a short anomaly: it is not learnt, but it is kept for the
        // threshold, which is otherwise set on the frames the serving model's threshold let through and sits lower with
        // each retraining.
        Set<Long> left = new HashSet<>(confirmed);
        Set<Long> reportedAlone = new HashSet<>(reported);
        reportedAlone.removeAll(confirmed);
        int inFaultEpisodes = 0;
        Set<Long> judgedNormal = new HashSet<>();
        for (List<ScoredFrame> frames : scoredBySource.values()) {
            boolean[] wasReported = new boolean[frames.size()];
            for (int i = 0; i < wasReported.length; i++) {
                wasReported[i] = reported.contains(coordinate(frames.get(i).partition(), frames.get(i).offset()));
            }
            boolean[] episode = inFaultEpisodes(wasReported);
            boolean[] wasJudged = new boolean[frames.size()];
            boolean anyJudged = false;
            for (int i = 0; i < wasJudged.length && !judgedFalseAlarms.isEmpty(); i++) {
                wasJudged[i] = judgedFalseAlarms.contains(coordinate(frames.get(i).partition(), frames.get(i).offset()));
                anyJudged |= wasJudged[i];
            }
            boolean[] normalByVerdict = anyJudged ? judgedNormal(wasReported, wasJudged) : wasJudged;
            for (int i = 0; i < episode.length; i++) {
                long at = coordinate(frames.get(i).partition(), frames.get(i).offset());
                if (normalByVerdict[i]) {
                    judgedNormal.add(at);
                }
                if (episode[i] && wasReported[i]) {
                    left.add(at);
                    reportedAlone.remove(at);
                } else if (episode[i] && left.add(at)) {
                    inFaultEpisodes++;
                }
            }
        }
        boolean more = false;
        for (TopicPartition tp : scoreParts) {
            more |= from.get(tp) > begins.get(tp) || found.getOrDefault(tp, 0) > quota;
        }
        return new Selection(scoredByPartition, left, reportedAlone, judgedNormal, scored[0], reportedCount, falseAlarms,
                confirmed.size(), inFaultEpisodes, more);
    }

    /**
     * Of the frames read ({@code partition -> offset -> capture time}), the newest {@code n} (by capture time) that are
     * not {@code left} out.
     */
    private static Map<Integer, TreeMap<Long, Long>> newest(Map<Integer, TreeMap<Long, Long>> read, Set<Long> left, int n) {
        List<long[]> normal = new ArrayList<>(); // {partition, offset, capture time}
        read.forEach((partition, frames) -> frames.forEach((offset, captured) -> {
            if (!left.contains(coordinate(partition, offset))) {
                normal.add(new long[] {partition, offset, captured});
            }
        }));
        normal.sort(Comparator.<long[]>comparingLong(f -> -f[2]).thenComparingLong(f -> -f[0]).thenComparingLong(f -> -f[1]));
        Map<Integer, TreeMap<Long, Long>> out = new HashMap<>();
        for (long[] f : normal.subList(0, Math.min(n, normal.size()))) {
            out.computeIfAbsent((int) f[0], p -> new TreeMap<>()).put(f[1], f[2]);
        }
        return out;
    }

    /**
     * Which frames, in capture order, are held out for the champion/challenger comparison: {@code fraction} of them (at
     * least one), the newest of those {@code judgedNormal} ({@link #judgedNormal}) and the newest of the others in that
     * share each. A change that operators judge the new normal is the newest data when they judge it: held out whole
     * with the newest frames, the candidate would never learn it, and the comparison would see only alarms of both
     * models on it.
     */
    public static boolean[] heldOut(boolean[] judgedNormal, double fraction) {
        int n = judgedNormal.length;
        int judgedRows = 0;
        for (boolean j : judgedNormal) {
            judgedRows += j ? 1 : 0;
        }
        int holdoutRows = Math.min(n, Math.max(1, (int) Math.round(n * fraction)));
        int othersHeld = Math.min(n - judgedRows, holdoutRows - Math.min(holdoutRows, (int) Math.round(judgedRows * fraction)));
        int judgedHeld = holdoutRows - othersHeld;
        boolean[] held = new boolean[n];
        for (int i = n - 1; i >= 0; i--) {
            if (judgedNormal[i] ? judgedHeld-- > 0 : othersHeld-- > 0) {
                held[i] = true;
            }
        }
        return held;
    }

    /**
     * How many times an epoch shows each frame to be trained on: the frames operators judged normal ({@code judgedNormal},
     * among those learnt: not {@code notFitted}) as many times as together they weigh as much as the other frames
     * learnt, at most {@value #MAX_TIMES_LEARNT} times, the others once. A change judged the new normal is a small share
     * of the data when it is judged; learnt once per frame, the candidate rebuilds it worse than the rest, its threshold
     * (a quantile of frames as they came, the change's among them) rises above every normal frame, and it misses faults
     * the serving model caught.
     */
    public static int[] timesLearnt(boolean[] judgedNormal, boolean[] notFitted) {
        int judged = 0;
        int others = 0;
        for (int i = 0; i < judgedNormal.length; i++) {
            if (!notFitted[i]) {
                judged += judgedNormal[i] ? 1 : 0;
                others += judgedNormal[i] ? 0 : 1;
            }
        }
        int times = judged == 0 ? 1 : (int) Math.max(1, Math.min(MAX_TIMES_LEARNT, Math.round(others / (double) judged)));
        int[] out = new int[judgedNormal.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = judgedNormal[i] && !notFitted[i] ? times : 1;
        }
        return out;
    }

    /**
     * Which of a source's frames, in the order it sent them, operators judged normal: the reports they judged false
     * alarms ({@code judgedFalseAlarm}; not among {@code reported}, the others), and the frames of the fault episodes
     * those reports made (in an episode when they count, in none when they do not): a change judged the new normal,
     * its frames under the threshold included, as the detector's rule saw it.
     */
    public static boolean[] judgedNormal(boolean[] reported, boolean[] judgedFalseAlarm) {
        boolean[] all = new boolean[reported.length];
        for (int i = 0; i < all.length; i++) {
            all[i] = reported[i] || judgedFalseAlarm[i];
        }
        boolean[] asReported = inFaultEpisodes(all);
        boolean[] asJudged = inFaultEpisodes(reported);
        boolean[] out = new boolean[reported.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = judgedFalseAlarm[i] || asReported[i] && !asJudged[i];
        }
        return out;
    }

    /**
     * Which of a source's frames, in the order it sent them, are in a fault episode: where a quarter or more of the 16 or
     * 64 frames up to the frame, or of those from it on, were {@code reported} ({@link ThresholdPolicy#faultEpisode} on
     * each direction's last 64).
     */
    public static boolean[] inFaultEpisodes(boolean[] reported) {
        boolean[] out = new boolean[reported.length];
        long upTo = 0;
        for (int i = 0; i < reported.length; i++) {
            upTo = (upTo << 1) | (reported[i] ? 1L : 0L);
            out[i] = ThresholdPolicy.faultEpisode(upTo);
        }
        long from = 0;
        for (int i = reported.length - 1; i >= 0; i--) {
            from = (from << 1) | (reported[i] ? 1L : 0L);
            out[i] |= ThresholdPolicy.faultEpisode(from);
        }
        return out;
    }

    /**
     * The latest verdict on each of the {@code wanted} event ids that has one: the whole verdicts topic (compacted, so
     * about one record per judged event), read in order so that a later verdict overrides an earlier one; a deleted one,
     * or one the anomaly memory would not take either ({@link Verdict#problem}), leaves none. No topic: none.
     */
    private static Map<String, Verdict> latestVerdicts(KafkaConsumer<byte[], byte[]> consumer, Topics topics, Set<String> wanted,
            Duration timeout) throws IOException {
        List<PartitionInfo> infos = consumer.partitionsFor(topics.verdicts().name(), timeout);
        if (infos == null || infos.isEmpty()) {
            return Map.of();
        }
        List<TopicPartition> parts = infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        Map<String, Verdict> latest = new HashMap<>();
        // deletions too: a verdict withdrawn leaves none, as in the anomaly memory
        TopicRanges.readWithDeletions(consumer, consumer.beginningOffsets(parts, timeout), consumer.endOffsets(parts, timeout), timeout, r -> {
            String eventId = r.key() == null ? null : new String(r.key(), java.nio.charset.StandardCharsets.UTF_8);
            if (eventId != null && wanted.contains(eventId)) {
                Verdict v = r.value() == null ? null : readOrNull(topics.verdicts(), r.value());
                if (v != null && v.validFor(eventId)) {
                    latest.put(eventId, v);
                } else {
                    latest.remove(eventId);
                }
            }
        });
        return latest;
    }

    private static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic) throws IOException {
        List<PartitionInfo> infos = consumer.partitionsFor(topic);
        if (infos == null || infos.isEmpty()) {
            throw new IOException("topic " + topic + " does not exist");
        }
        List<TopicPartition> out = new ArrayList<>();
        for (PartitionInfo p : infos) {
            out.add(new TopicPartition(topic, p.partition()));
        }
        return out;
    }

    private static <T> T readOrNull(Topic<String, T> topic, byte[] value) {
        try {
            return topic.deserialize(value);
        } catch (SerializationException e) {
            return null; // not ours to judge: the detector skips such records too
        }
    }
}
