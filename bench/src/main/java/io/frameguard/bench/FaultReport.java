package io.frameguard.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** The fault suite's figures and the section of docs/RELIABILITY.md it writes them to. */
final class FaultReport {

    private static final String BEGIN = "<!-- fault-suite:begin -->";
    private static final String END = "<!-- fault-suite:end -->";

    private FaultReport() {}

    /** One kill: when (seconds into the stream) and how long until the restarted service was ready again. */
    public record Kill(double atSeconds, double recoverySeconds) {}

    /** The broker outage: readiness DOWN after how long, ready again how long after the broker restarted. */
    public record Outage(int seconds, boolean readinessWentDown, double downAfterSeconds, double readyAfterRestartSeconds) {}

    /**
     * The registry tampering step: refusals seen on the service by reason, and the tampered versions it did not refuse.
     */
    public record Tampering(Map<String, Long> refused, List<String> notRefused) {}

    /** The versions that may score: the trained ones; a score by any other (a tampered one) is a problem. */
    static final java.util.Set<String> TRUSTED_VERSIONS = java.util.Set.of("v1", "v2");

    /**
     * What the run found. The counts that must be zero: {@link #problems()}.
     *
     * @param hostileReasons per hostile kind, the dead-letter reasons seen and how often
     */
    public record Figures(long framesSent, long hostileSent, long sendFailures, long scored, long missingScores, long duplicateScores,
            long hostileScored, long scoresWithoutModel, Map<String, Long> scoresByModel, long deadLettered, long missingDeadLetters,
            long duplicateDeadLetters, long normalDeadLettered, long deadLettersWithoutReason, Map<String, Map<String, Long>> hostileReasons,
            long expectedEvents, long events, long missingEvents, long unexpectedEvents, long duplicateEvents, List<Kill> kills,
            Outage outage, boolean swapped, Tampering tampering, long peakRssMiB, double seconds) {

        /** Every count that must be zero, by name; empty when the run is clean. */
        public Map<String, Long> problems() {
            Map<String, Long> p = new LinkedHashMap<>();
            p.put("send failures", sendFailures);
            p.put("missing scores", missingScores);
            p.put("duplicate scores", duplicateScores);
            p.put("hostile frames scored", hostileScored);
            p.put("scores without a model version", scoresWithoutModel);
            p.put("missing dead letters", missingDeadLetters);
            p.put("duplicate dead letters", duplicateDeadLetters);
            p.put("normal frames dead-lettered", normalDeadLettered);
            p.put("dead letters without a reason", deadLettersWithoutReason);
            p.put("missing anomaly events", missingEvents);
            p.put("unexpected anomaly events", unexpectedEvents);
            p.put("duplicate anomaly events", duplicateEvents);
            p.put("tampered models not refused", tampering == null ? 0L : tampering.notRefused().size());
            p.put("scores by a tampered model", scoresByModel.entrySet().stream()
                    .filter(e -> !TRUSTED_VERSIONS.contains(e.getKey())).mapToLong(Map.Entry::getValue).sum());
            p.values().removeIf(v -> v == 0);
            if (outage != null && !outage.readinessWentDown()) {
                p.put("readiness stayed UP during the broker outage", 1L);
            }
            return p;
        }
    }

    /** The report section of one run. */
    static String section(Figures f, int dim, int rate, int partitions) {
        StringBuilder s = new StringBuilder();
        s.append(BEGIN).append('\n');
        s.append(String.format(Locale.ROOT, "## Last fault-suite run (%s)%n%n", LocalDate.now()));
        s.append("- machine: ").append(BenchReport.machine()).append('\n');
        s.append("- command: `").append(System.getenv().getOrDefault("FRAMEGUARD_BENCH_COMMAND", "bench/faults")).append("`\n");
        s.append(String.format(Locale.ROOT, "- stream: %,d normal frames (%d floats, float32 and every tenth JSON, 16 sources, a burst of %d "
                + "faulty frames every %d per source) and %,d hostile frames at random positions, %,d frames/s offered, %d partitions; "
                + "exactly-once; detector k=2 of n=3%n", f.framesSent(), dim, FaultStream.FAULT_BURST, FaultStream.FAULT_PERIOD, f.hostileSent(), rate, partitions));
        s.append(String.format(Locale.ROOT, "- verdict: **%s**; run took %.0f s%n%n", f.problems().isEmpty() ? "clean" : "FAILED " + f.problems(),
                f.seconds()));
        s.append("| what | count |\n|---|---:|\n");
        row(s, "normal frames sent (acknowledged)", f.framesSent());
        row(s, "hostile frames sent (acknowledged)", f.hostileSent());
        row(s, "send failures", f.sendFailures());
        row(s, "normal frames scored (read_committed)", f.scored());
        row(s, "normal frames without a score (lost)", f.missingScores());
        row(s, "duplicate scores", f.duplicateScores());
        row(s, "hostile frames scored", f.hostileScored());
        row(s, "scores without a model version", f.scoresWithoutModel());
        s.append("| scores per model version | ").append(f.scoresByModel().entrySet().stream().map(e -> String.format(Locale.ROOT,
                "%s: %,d", e.getKey(), e.getValue())).collect(Collectors.joining(", "))).append(" |\n");
        row(s, "hostile frames dead-lettered", f.deadLettered());
        row(s, "hostile frames without a dead letter (lost)", f.missingDeadLetters());
        row(s, "duplicate dead letters", f.duplicateDeadLetters());
        row(s, "normal frames dead-lettered", f.normalDeadLettered());
        row(s, "dead letters without a reason", f.deadLettersWithoutReason());
        row(s, "anomaly events expected (rule replayed over the committed scores)", f.expectedEvents());
        row(s, "anomaly events received", f.events());
        row(s, "missing anomaly events", f.missingEvents());
        row(s, "unexpected anomaly events", f.unexpectedEvents());
        row(s, "duplicate anomaly events", f.duplicateEvents());
        row(s, "peak RSS of the service (MiB)", f.peakRssMiB());
        s.append('\n');
        if (!f.kills().isEmpty()) {
            double[] rec = f.kills().stream().mapToDouble(Kill::recoverySeconds).sorted().toArray();
            s.append(String.format(Locale.ROOT, "SIGKILLs: %d, at %s s into the stream; restarted service ready again after %.1f s "
                    + "(median), %.1f s (max)%s.%n%n", rec.length, f.kills().stream().map(k -> String.format(Locale.ROOT, "%.0f", k.atSeconds()))
                    .collect(Collectors.joining(", ")), rec[rec.length / 2], rec[rec.length - 1],
                    f.swapped() ? "; the registry's active model was switched from v1 to v2 while the service was down after kill "
                            + (f.kills().size() / 2 + 1) : ""));
        }
        s.append("Registry tampering: after the first start, a card that is not JSON and a control record for the served "
                + "model that is no activation were written to the registry topic (then the valid activation again); the "
                + "running instance and every one started after it skipped them. Then four tampered versions (a graph that "
                + "reads a file, signed with the trainer's key; an artifact record replaced after publishing; an unsigned "
                + "artifact; one signed with another key), each refused activation by the registry, were made active one by "
                + "one by writing their control records to the topic: refused by the service by reason ");
        if (f.tampering() != null) {
            s.append(f.tampering().refused().entrySet().stream().map(e -> e.getKey() + " (" + e.getValue() + ")")
                    .collect(Collectors.joining(", ")));
            s.append(f.tampering().notRefused().isEmpty() ? "; none was served.\n\n"
                    : "; **not refused: " + f.tampering().notRefused() + "**.\n\n");
        }
        if (f.outage() != null) {
            Outage o = f.outage();
            s.append(String.format(Locale.ROOT, "Broker outage: stopped for %d s; readiness %s; ready again %.1f s after the broker restarted.%n%n",
                    o.seconds(), o.readinessWentDown() ? String.format(Locale.ROOT, "went DOWN %.1f s after the stop", o.downAfterSeconds())
                            : "never went DOWN", o.readyAfterRestartSeconds()));
        }
        s.append("Dead-letter reasons per hostile kind:\n\n| hostile kind | reasons (count) |\n|---|---|\n");
        f.hostileReasons().forEach((kind, r) -> s.append("| ").append(kind).append(" | ").append(r.entrySet().stream()
                .map(e -> String.format(Locale.ROOT, "%s (%,d)", e.getKey(), e.getValue())).collect(Collectors.joining(", "))).append(" |\n"));
        s.append(END).append('\n');
        return s.toString();
    }

    private static void row(StringBuilder s, String what, long n) {
        s.append(String.format(Locale.ROOT, "| %s | %,d |%n", what, n));
    }

    /** Replaces the fault-suite section of {@code report} (or appends one). */
    static void writeReport(Path report, String section) throws IOException {
        String text = Files.exists(report) ? Files.readString(report) : "# Reliability\n\n";
        int b = text.indexOf(BEGIN);
        int e = text.indexOf(END);
        text = b >= 0 && e > b ? text.substring(0, b) + section + text.substring(e + END.length() + 1)
                : text + (text.endsWith("\n\n") ? "" : "\n") + section;
        Files.writeString(report, text);
    }
}
