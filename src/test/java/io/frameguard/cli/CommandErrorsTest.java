package io.frameguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.model.ModelArtifact;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the offline commands say when the data, the model or a setting is wrong, as an operator bringing their own files
 * meets it: one line naming the file, line or setting, no stack trace, and never a silent wrong result.
 */
class CommandErrorsTest {

    @TempDir
    static Path tmp;

    /** 600 rows of six correlated channels named s0..s5, and a model trained on them. */
    static Path data;
    static Path model;

    @BeforeAll
    static void trainOnce() throws Exception {
        data = tmp.resolve("plant.csv");
        Files.write(data, csv(List.of("s0", "s1", "s2", "s3", "s4", "s5"), rows(600, 1, new double[] {1, 1, 1, 1, 1, 1})));
        model = tmp.resolve("model");
        assertThat(FrameguardCli.run("train", "--data", data.toString(), "--format", "csv", "--out", model.toString(),
                "--epochs", "5", "--version", "errors-test")).isZero();
    }

    /** Rows of six channels that follow two shared signals, each channel scaled by {@code scale[c]}. */
    static double[][] rows(int n, long seed, double[] scale) {
        Random r = new Random(seed);
        double[][] out = new double[n][6];
        for (int i = 0; i < n; i++) {
            double a = r.nextGaussian();
            double b = r.nextGaussian();
            double[] raw = {a, b, a + b, a - b, 0.5 * a + 0.1 * r.nextGaussian(), b + 0.1 * r.nextGaussian()};
            for (int c = 0; c < 6; c++) {
                out[i][c] = raw[c] * scale[c];
            }
        }
        return out;
    }

    static List<String> csv(List<String> header, double[][] rows) {
        List<String> lines = new java.util.ArrayList<>();
        if (header != null) {
            lines.add(String.join(",", header));
        }
        for (double[] row : rows) {
            StringBuilder b = new StringBuilder();
            for (int c = 0; c < row.length; c++) {
                b.append(c > 0 ? "," : "").append(String.format(Locale.ROOT, "%.9g", row[c]));
            }
            lines.add(b.toString());
        }
        return lines;
    }

    /** A command's exit code and what it wrote to stderr and stdout. */
    record Run(int code, String err, String out) {}

    static Run run(String... args) {
        PrintStream err = System.err;
        PrintStream out = System.out;
        ByteArrayOutputStream capturedErr = new ByteArrayOutputStream();
        ByteArrayOutputStream capturedOut = new ByteArrayOutputStream();
        System.setErr(new PrintStream(capturedErr, true, StandardCharsets.UTF_8));
        System.setOut(new PrintStream(capturedOut, true, StandardCharsets.UTF_8));
        try {
            int code = FrameguardCli.run(args);
            return new Run(code, capturedErr.toString(StandardCharsets.UTF_8), capturedOut.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(err);
            System.setOut(out);
        }
    }

    private static void assertOneLineError(Run run, int code, String command, String... says) {
        assertThat(run.code()).as(run.err()).isEqualTo(code);
        assertThat(run.err()).contains("frameguard " + command + ": ").contains(says).doesNotContain("\tat ")
                .doesNotContain("Exception");
    }

    /**
     * A command that talks to Kafka where no broker listens ends with one line naming where it looked and what to check,
     * not a stack trace (client timeouts shortened in the client settings file, as an operator may set them).
     */
    @Test
    void aBrokerThatDoesNotAnswerIsOneLine() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort(); // free once closed: nothing listens there
        }
        Path settings = tmp.resolve("impatient.properties");
        Files.writeString(settings, "default.api.timeout.ms=3000\nrequest.timeout.ms=1000\nmax.block.ms=3000\n");
        String servers = "localhost:" + port;
        assertOneLineError(run("models", "list", "--bootstrap-servers", servers, "--kafka-config", settings.toString()), 1,
                "models list", "no answer from the Kafka brokers at " + servers, "--bootstrap-servers");
        assertOneLineError(run("verdict", "frames/0/1", "--verdict", "false-alarm", "--bootstrap-servers", servers,
                "--kafka-config", settings.toString()), 1, "verdict", "no answer from the Kafka brokers at " + servers);
    }

    /** An option for anomalies given with drift events is refused before anything is read. */
    @Test
    void tailIncidentsIsForAnomalies() {
        assertOneLineError(run("tail", "drift", "--incidents", "--bootstrap-servers", "localhost:1"), 2, "tail",
                "--incidents is for anomalies only");
    }

    /** Without --format, the --data name tells it; a name that does not is refused naming the option. */
    @Test
    void aFilesFormatIsToldByItsName() throws Exception {
        assertThat(run("score", "--model", model.toString(), "--data", data.toString(), "--out", tmp.resolve("named.csv").toString())
                .code()).isZero();
        assertThat(Files.readAllLines(tmp.resolve("named.csv"))).hasSize(601);
        Path unnamed = tmp.resolve("plant.frames");
        Files.copy(data, unnamed);
        assertOneLineError(run("score", "--model", model.toString(), "--data", unnamed.toString(), "--out",
                tmp.resolve("unnamed.csv").toString()), 2, "score", "--format", "plant.frames");
    }

    @Test
    void aBadCellNamesTheFileAndLineWithoutAStackTrace() throws Exception {
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(data));
        lines.set(7, lines.get(7).replaceFirst("^[^,]*", "NaN"));
        Path bad = tmp.resolve("nan.csv");
        Files.write(bad, lines);
        assertOneLineError(run("train", "--data", bad.toString(), "--format", "csv", "--out", tmp.resolve("m-nan").toString()),
                1, "train", "nan.csv:8", "NaN");
        assertOneLineError(run("score", "--model", model.toString(), "--data", bad.toString(), "--format", "csv", "--out",
                tmp.resolve("s-nan.csv").toString()), 1, "score", "nan.csv:8");
    }

    @Test
    void missingFilesAndModelsAreNamed() {
        assertOneLineError(run("score", "--model", model.toString(), "--data", tmp.resolve("absent.csv").toString(),
                "--format", "csv", "--out", tmp.resolve("s.csv").toString()), 1, "score", "absent.csv", "no such file");
        assertOneLineError(run("score", "--model", tmp.resolve("no-model").toString(), "--data", data.toString(),
                "--format", "csv", "--out", tmp.resolve("s.csv").toString()), 1, "score", "no-model", "no such directory");
        assertOneLineError(run("score", "--model", data.toString(), "--data", data.toString(), "--format", "csv", "--out",
                tmp.resolve("s.csv").toString()), 1, "score", "plant.csv", "not a directory");
    }

    @Test
    void outputsGoWhereTheyAreAskedAndNeverOverTheInput() throws Exception {
        Path nested = tmp.resolve("reports/today/scores.csv");
        assertThat(run("score", "--model", model.toString(), "--data", data.toString(), "--format", "csv", "--out",
                nested.toString()).code()).isZero();
        assertThat(Files.readAllLines(nested)).hasSize(601);
        Path generated = tmp.resolve("generated/plant.csv");
        assertThat(run("generate", "--out", generated.toString(), "--frames", "10", "--dim", "4").code()).isZero();
        assertThat(Files.readAllLines(generated)).hasSize(11);

        long before = Files.size(data);
        assertOneLineError(run("score", "--model", model.toString(), "--data", data.toString(), "--format", "csv", "--out",
                data.toString()), 2, "score", "--out", "--data");
        assertThat(Files.size(data)).isEqualTo(before);
    }

    @Test
    void settingsOutOfRangeAreRefusedByName() {
        assertOneLineError(run("score", "--model", model.toString(), "--data", data.toString(), "--format", "csv", "--out",
                tmp.resolve("b.csv").toString(), "--batch", "0"), 2, "score", "--batch");
        assertOneLineError(run("generate", "--out", tmp.resolve("g.csv").toString(), "--frames", "-5"), 2, "generate", "--frames");
        assertOneLineError(run("generate", "--out", tmp.resolve("g.csv").toString(), "--sources", "0"), 2, "generate", "--sources");
        assertOneLineError(run("generate", "--out", tmp.resolve("g.csv").toString(), "--dim", "1"), 2, "generate",
                "--dim must be at least 2");
    }

    /**
     * The sidecar's and the demo's settings that would only go wrong later (a negative schedule retrained back to back, a
     * content type no decoder reads failed every run, hours after the start; --fault-every 0 divided by zero once the
     * broker ran and a model was trained) are refused at once, by name, before anything connects.
     */
    @Test
    void longRunningCommandsRefuseSettingsThatWouldFailLater() {
        String[] trainer = {"trainer", "--model", "m", "--bootstrap-servers", "localhost:1"};
        assertOneLineError(run(concat(trainer, "--every", "-6h")), 2, "trainer", "--every", "'-6h' is negative");
        assertOneLineError(run(concat(trainer, "--after-frames", "-1")), 2, "trainer", "--after-frames must be 0 (off) or more");
        assertOneLineError(run(concat(trainer, "--metrics-port", "70000")), 2, "trainer", "--metrics-port");
        assertOneLineError(run(concat(trainer, "--on-false-alarm", "--false-alarm-quiet", "0s")), 2, "trainer",
                "--false-alarm-quiet", "'0s' is under 1s");
        assertOneLineError(run(concat(trainer, "--default-content-type", "image/pngx")), 2, "trainer",
                "--default-content-type", "no decoder for 'image/pngx'");
        assertOneLineError(run("tail", "anomalies", "--for", "-1s", "--bootstrap-servers", "localhost:1"), 2, "tail", "--for");
        assertOneLineError(run("tail", "anomalies", "--for", "soon", "--bootstrap-servers", "localhost:1"), 2, "tail",
                "'soon' is not a duration like 500ms");
        assertOneLineError(run("demo", "--work", tmp.resolve("demo").toString(), "--fault-every", "0"), 2, "demo",
                "--fault-every must be at least 1");
        assertOneLineError(run("demo", "--work", tmp.resolve("demo").toString(), "--rate", "0"), 2, "demo", "--rate");
    }

    private static String[] concat(String[] first, String... more) {
        String[] out = java.util.Arrays.copyOf(first, first.length + more.length);
        System.arraycopy(more, 0, out, first.length, more.length);
        return out;
    }

    @Test
    void aFileOfAnotherWidthIsComparedWithTheModelNotWithAnOptionNotGiven() throws Exception {
        Path wide = tmp.resolve("wide.csv");
        Files.write(wide, csv(null, new double[][] {{1, 2, 3, 4, 5, 6, 7, 8}}));
        Run r = run("score", "--model", model.toString(), "--data", wide.toString(), "--format", "csv", "--out",
                tmp.resolve("w.csv").toString());
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("8").contains("expects 6").doesNotContain("--dim").doesNotContain("\tat ");
    }

    /** A header with a column more or less than the model's names the columns, not only the count. */
    @Test
    void aFileWithAnExtraOrAMissingColumnNamesIt() throws Exception {
        double[][] rows = rows(5, 3, new double[] {1, 1, 1, 1, 1, 1});
        double[][] timed = new double[5][];
        double[][] short5 = new double[5][];
        for (int i = 0; i < 5; i++) {
            timed[i] = new double[7];
            timed[i][0] = 1_700_000_000 + i;
            System.arraycopy(rows[i], 0, timed[i], 1, 6);
            short5[i] = java.util.Arrays.copyOf(rows[i], 5);
        }
        Path withTime = tmp.resolve("timed.csv");
        Files.write(withTime, csv(List.of("time", "s0", "s1", "s2", "s3", "s4", "s5"), timed));
        assertOneLineError(run("score", "--model", model.toString(), "--data", withTime.toString(), "--format", "csv", "--out",
                tmp.resolve("t.csv").toString()), 1, "score", "has 7 values per frame", "expects 6", "its columns [time] are not the model's");
        Path without = tmp.resolve("short.csv");
        Files.write(without, csv(List.of("s0", "s1", "s2", "s3", "s4"), short5));
        assertOneLineError(run("score", "--model", model.toString(), "--data", without.toString(), "--format", "csv", "--out",
                tmp.resolve("t.csv").toString()), 1, "score", "has 5 values per frame", "the model's [s5] are missing");
    }

    /** {@code --select} says which architecture it kept and why (a close second can have the higher AUROC). */
    @Test
    void selectSaysWhatItChoseAndWhy() {
        Run r = run("train", "--data", data.toString(), "--format", "csv", "--out", tmp.resolve("m-select").toString(),
                "--select", "--epochs", "2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("<- chosen").containsPattern("(?m)^  chose [a-z ]+: highest .+");
        // the frames to give are counted in the file given, of which --select kept a tenth apart (it said 10000: the
        // frames the chosen model was given)
        assertThat(r.err()).contains("warning: the threshold rests on 54 held-out frames", "train on at least 11112 frames",
                "--select keeps 10 % of the frames apart");
    }

    /** A directory that holds a model is refused in one line before the data is read (here: a file that is not there). */
    @Test
    void trainNeverWritesOverAModel() {
        assertOneLineError(run("train", "--data", tmp.resolve("absent.csv").toString(), "--format", "csv", "--out",
                model.toString()), 1, "train", model.toString(), "holds a model already");
        assertOneLineError(run("train", "--data", data.toString(), "--format", "csv", "--out", model.toString(), "--select"),
                1, "train", "holds a model already");
    }

    /** Settings that depend on no data are refused in one line before the data is read (here: a file that is not there). */
    @Test
    void trainRefusesSettingsBeforeReadingTheData() {
        assertOneLineError(run("train", "--data", tmp.resolve("absent.csv").toString(), "--format", "csv", "--out",
                tmp.resolve("m-arch").toString(), "--architecture", "transformer"), 2, "train", "architecture must be auto");
        assertOneLineError(run("train", "--data", tmp.resolve("absent.csv").toString(), "--format", "csv", "--out",
                tmp.resolve("m-fpr").toString(), "--target-fpr", "0.7"), 2, "train", "target FPR");
    }

    /** `frameguard broker` on a port another process holds: one line naming the option, the running broker untouched. */
    @Test
    void brokerOnATakenPortIsOneLine() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home/target/local-kafka/lib"));
        String before = System.getProperty("frameguard.home");
        System.setProperty("frameguard.home", tmp.resolve("home").toString());
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            assertOneLineError(run("broker", "--port", Integer.toString(taken.getLocalPort()), "--work",
                    tmp.resolve("broker").toString()), 2, "broker", "--port: port " + taken.getLocalPort() + " is in use");
        } finally {
            if (before == null) {
                System.clearProperty("frameguard.home");
            } else {
                System.setProperty("frameguard.home", before);
            }
        }
        assertThat(home).isDirectory();
    }

    /** A threshold set by a handful of held-out frames is said to be a rough one, with how many frames would do. */
    @Test
    void trainSaysWhenFewFramesSetTheThreshold() throws Exception {
        Run r = run("train", "--data", data.toString(), "--format", "csv", "--out", tmp.resolve("m-few").toString(),
                "--epochs", "2", "--version", "few");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("warning: the threshold rests on 60 held-out frames", "train on at least 10000 frames");
    }

    @Test
    void helpWorksForEveryCommand() {
        for (String command : List.of("train", "score", "generate", "models", "trainer", "tail", "verdict", "demo", "broker")) {
            Run r = run(command, "--help");
            assertThat(r.code()).as(command).isZero();
            assertThat(r.out()).as(command).contains("Usage: frameguard " + command);
        }
        // a verdict neither signs nor fetches models: the registry's options are not its
        assertThat(run("verdict", "--help").out()).doesNotContain("--signing-key", "--verify-key", "Registry topic");
    }

    @Test
    void columnsAreMatchedToTheModelByName() throws Exception {
        // the same frames with s0 and s5 swapped, the header saying so: the same scores as the file in the model's order
        List<String> lines = Files.readAllLines(data);
        List<String> swapped = firstAndLastSwapped(lines);
        assertSameScores(model, data, Files.write(tmp.resolve("permuted.csv"), swapped));

        // names the model does not know are refused, with the names
        List<String> renamed = new java.util.ArrayList<>(lines);
        renamed.set(0, "a,b,c,d,e,f");
        Path other = tmp.resolve("other-names.csv");
        Files.write(other, renamed);
        assertOneLineError(run("score", "--model", model.toString(), "--data", other.toString(), "--format", "csv", "--out",
                tmp.resolve("o.csv").toString()), 1, "score", "other-names.csv", "s0", "a");
    }

    @Test
    void semicolonAndTabSeparatedFilesAreRead() throws Exception {
        List<String> lines = Files.readAllLines(data);
        for (String separator : List.of(";", "\t")) {
            Path file = tmp.resolve("sep" + (int) separator.charAt(0) + ".csv");
            Files.write(file, lines.stream().map(l -> l.replace(",", separator)).toList());
            Path out = tmp.resolve("sep" + (int) separator.charAt(0) + "-scores.csv");
            Run r = run("score", "--model", model.toString(), "--data", file.toString(), "--format", "csv", "--out",
                    out.toString());
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(Files.readAllLines(out)).hasSize(601);
        }
        // decimal commas are not numbers: said so
        Path decimalCommas = tmp.resolve("decimal-commas.csv");
        Files.write(decimalCommas, lines.stream().map(l -> l.replace(",", ";").replace(".", ",")).toList());
        assertOneLineError(run("score", "--model", model.toString(), "--data", decimalCommas.toString(), "--format", "csv",
                "--out", tmp.resolve("dc.csv").toString()), 1, "score", "decimal-commas.csv:2", "decimal comma");
    }

    @Test
    void headerNamesAreCleanAndUnique() throws Exception {
        Path quoted = withHeader("quoted.csv", "\ufeff\"s0\",\"s1\",s2,s3,s4,s5");
        Path m = tmp.resolve("m-quoted");
        assertThat(trainBriefly(quoted, m).code()).isZero();
        assertThat(ModelArtifact.open(m).card().input().featureNames()).containsExactly("s0", "s1", "s2", "s3", "s4", "s5");

        // a card written by an earlier reader kept the quotes and the mark: its own file still scores, in its order
        Path earlier = tmp.resolve("m-earlier");
        org.apache.commons.io.FileUtils.copyDirectory(model.toFile(), earlier.toFile());
        Path card = earlier.resolve(ModelArtifact.CARD_FILE);
        Files.writeString(card, Files.readString(card).replace("\"s0\"", "\"\\ufeff\\\"s0\\\"\"")
                .replace("\"s1\"", "\"\\\"s1\\\"\""));
        // (the checksum covers the SavedModel, not the card's names)
        Path scored = tmp.resolve("earlier-scores.csv");
        Run r = run("score", "--model", earlier.toString(), "--data", quoted.toString(), "--format", "csv", "--out",
                scored.toString());
        assertThat(r.code()).as(r.err()).isZero();

        // windows repeat their channels' names for every step: read by position
        Path windows = withHeader("windows.csv", "t,p,f,t,p,f");
        r = run("score", "--model", model.toString(), "--data", windows.toString(), "--format", "csv", "--out",
                tmp.resolve("windows-scores.csv").toString());
        assertThat(r.code()).as(r.err()).isZero();
    }

    @Test
    void aHeaderOfDefaultNamesInAnotherOrderIsReordered() throws Exception {
        Path noHeader = tmp.resolve("no-header.csv");
        List<String> lines = Files.readAllLines(data);
        Files.write(noHeader, lines.subList(1, lines.size()));
        Path positional = tmp.resolve("m-positional");
        assertThat(run("train", "--data", noHeader.toString(), "--format", "csv", "--out", positional.toString(), "--epochs",
                "2").code()).isZero();
        List<String> swapped = new java.util.ArrayList<>(List.of("ch5,ch1,ch2,ch3,ch4,ch0"));
        swapped.addAll(firstAndLastSwapped(lines.subList(1, lines.size())));
        assertSameScores(positional, noHeader, Files.write(tmp.resolve("ch-permuted.csv"), swapped));
    }

    @Test
    void aCommaFileWhoseHeaderHoldsASemicolonStaysACommaFile() throws Exception {
        Path file = withHeader("units.csv", "flow;l/min,s1,s2,s3,s4,s5");
        Path m = tmp.resolve("m-units");
        Run r = trainBriefly(file, m);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(ModelArtifact.open(m).card().input().featureNames()).startsWith("flow;l/min", "s1");
    }

    /** {@code score} gives the two files' frames the same scores with {@code model}. */
    private static void assertSameScores(Path model, Path first, Path second) throws java.io.IOException {
        List<List<String>> scores = new java.util.ArrayList<>();
        for (Path file : List.of(first, second)) {
            Path out = tmp.resolve(file.getFileName() + "-scores-" + model.getFileName() + ".csv");
            Run r = run("score", "--model", model.toString(), "--data", file.toString(), "--format", "csv", "--out",
                    out.toString());
            assertThat(r.code()).as(r.err()).isZero();
            scores.add(Files.readAllLines(out));
        }
        assertThat(scores.get(1)).isEqualTo(scores.get(0));
    }

    /** The plant's frames under another header line, in {@code name}. */
    private static Path withHeader(String name, String header) throws java.io.IOException {
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(data));
        lines.set(0, header);
        return Files.write(tmp.resolve(name), lines);
    }

    /** {@code train} for one epoch on a CSV file. */
    private static Run trainBriefly(Path file, Path out) {
        return run("train", "--data", file.toString(), "--format", "csv", "--out", out.toString(), "--epochs", "1");
    }

    /** The lines with their first and last comma-separated cells swapped. */
    private static List<String> firstAndLastSwapped(List<String> lines) {
        List<String> swapped = new java.util.ArrayList<>();
        for (String line : lines) {
            String[] cells = line.split(",");
            String t = cells[0];
            cells[0] = cells[cells.length - 1];
            cells[cells.length - 1] = t;
            swapped.add(String.join(",", cells));
        }
        return swapped;
    }

    @Test
    void framesThatNeverChangeAreRefusedBeforeTraining() throws Exception {
        double[][] same = new double[300][];
        java.util.Arrays.fill(same, new double[] {1, 1, 1, 1, 1, 1});
        Path constant = tmp.resolve("constant.csv");
        Files.write(constant, csv(List.of("s0", "s1", "s2", "s3", "s4", "s5"), same));
        Path m = tmp.resolve("m-constant");
        assertOneLineError(run("train", "--data", constant.toString(), "--format", "csv", "--out", m.toString()), 2, "train",
                "constant.csv", "all the same");
        assertThat(m).doesNotExist();
        Run select = run("train", "--data", constant.toString(), "--format", "csv", "--out", m.toString(), "--select");
        assertOneLineError(select, 2, "train", "constant.csv", "all the same");
        assertThat(select.err()).doesNotContain("candidate");
    }

    @Test
    void anIndexColumnAndAHeaderOfNumbersAreWarnedAbout() throws Exception {
        List<String> lines = Files.readAllLines(data);
        List<String> indexed = new java.util.ArrayList<>();
        indexed.add("idx," + lines.get(0));
        for (int i = 1; i < lines.size(); i++) {
            indexed.add(i + "," + lines.get(i));
        }
        Path file = tmp.resolve("indexed.csv");
        Files.write(file, indexed);
        Run r = run("train", "--data", file.toString(), "--format", "csv", "--out", tmp.resolve("m-indexed").toString(),
                "--epochs", "1");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("warning: indexed.csv: column idx grows from row to row and never falls");

        // a clock of seconds since 1970, one a second: float32 holds it in steps of 128 s, so rows repeat a value
        List<String> clocked = new java.util.ArrayList<>();
        clocked.add("time," + lines.get(0));
        for (int i = 1; i < lines.size(); i++) {
            clocked.add((1_765_000_000L + i) + "," + lines.get(i));
        }
        Path clock = Files.write(tmp.resolve("clocked.csv"), clocked);
        r = run("train", "--data", clock.toString(), "--out", tmp.resolve("m-clocked").toString(), "--epochs", "1");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("warning: clocked.csv: column time grows from row to row and never falls");

        List<String> withSetpoint = new java.util.ArrayList<>();
        withSetpoint.add(lines.get(0) + ",setpoint");
        for (int i = 1; i < lines.size(); i++) {
            withSetpoint.add(lines.get(i) + ",42.5");
        }
        Path setpoint = Files.write(tmp.resolve("setpoint.csv"), withSetpoint);
        r = run("train", "--data", setpoint.toString(), "--out", tmp.resolve("m-setpoint").toString(), "--epochs", "1");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("warning: setpoint.csv: column setpoint is 42.5 in every frame: a setpoint or a flag?");
        assertThat(r.out()).contains("  constant in training: setpoint (any change of theirs scores as a fault)");
        assertThat(ModelArtifact.open(tmp.resolve("m-setpoint")).card().scoring().constantChannels()).containsExactly("setpoint");

        List<String> numbered = new java.util.ArrayList<>(lines);
        numbered.set(0, "0,1,2,3,4,5");
        Path other = tmp.resolve("numbered.csv");
        Files.write(other, numbered);
        r = run("train", "--data", other.toString(), "--format", "csv", "--out", tmp.resolve("m-numbered").toString(),
                "--epochs", "1");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("warning: numbered.csv: the first frame is 0, 1, 2");
        // score says it too: each frame's index would be one off from the user's rows
        r = run("score", "--model", model.toString(), "--data", other.toString(), "--out", tmp.resolve("numbered-scores.csv").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("warning: numbered.csv: the first frame is 0, 1, 2");
        // nothing said of the clean file's columns (only that its 600 rows leave few frames to set the threshold)
        assertThat(run("train", "--data", data.toString(), "--format", "csv", "--out", tmp.resolve("m-clean").toString(),
                "--epochs", "1").err()).doesNotContain("warning: plant.csv");

        // a tab file with pandas' unnamed index column first: read as a tab file, the column without a name warned about
        List<String> tabbed = new java.util.ArrayList<>();
        for (int i = 0; i < indexed.size(); i++) {
            tabbed.add(i == 0 ? "\t" + lines.get(0).replace(",", "\t") : indexed.get(i).replace(",", "\t"));
        }
        Path tabs = Files.write(tmp.resolve("pandas.tsv"), tabbed);
        r = run("train", "--data", tabs.toString(), "--format", "csv", "--out", tmp.resolve("m-pandas").toString(), "--epochs",
                "1");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("column 1 of the header has no name");
    }

    @Test
    void anEmptyF32FileHasNoFrames() throws Exception {
        Path empty = Files.write(tmp.resolve("empty.f32"), new byte[0]);
        assertOneLineError(run("score", "--model", model.toString(), "--data", empty.toString(), "--out",
                tmp.resolve("empty-scores.csv").toString()), 1, "score", "empty.f32", "no frames");
    }

    @Test
    void anEmptyCellIsNamed() throws Exception {
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(data));
        lines.set(3, lines.get(3) + ",");
        Path trailing = tmp.resolve("trailing.csv");
        Files.write(trailing, lines);
        assertOneLineError(run("train", "--data", trailing.toString(), "--format", "csv", "--out",
                tmp.resolve("m-trailing").toString()), 1, "train", "trailing.csv:4", "7 values, expected 6");
        lines = new java.util.ArrayList<>(Files.readAllLines(data));
        lines.set(3, lines.get(3).replaceFirst(",[^,]*,", ",,"));
        Path empty = tmp.resolve("empty-cell.csv");
        Files.write(empty, lines);
        assertOneLineError(run("train", "--data", empty.toString(), "--format", "csv", "--out",
                tmp.resolve("m-empty").toString()), 1, "train", "empty-cell.csv:4", "column 2 is empty");
    }

    /**
     * A file without a header whose first frame misses a value is a frame with a value missing, not a header whose names
     * are the frame's numbers (which lost the frame and moved every later index by one); a TSV line of tabs alone (a
     * logger's row of missing values) is refused as such, not dropped as a blank line (which moved them too).
     */
    @Test
    void aMissingValueIsNeverTakenForAHeaderOrABlankLine() throws Exception {
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(data));
        lines.remove(0); // no header
        lines.set(0, lines.get(0).replaceFirst("^[^,]*", ""));
        Path firstMissing = Files.write(tmp.resolve("first-missing.csv"), lines);
        assertOneLineError(run("score", "--model", model.toString(), "--data", firstMissing.toString(), "--out",
                tmp.resolve("first-missing-scores.csv").toString()), 1, "score", "first-missing.csv:1", "column 1 is empty");
        lines = new java.util.ArrayList<>(Files.readAllLines(data));
        lines.replaceAll(line -> line.replace(',', '\t'));
        lines.set(5, "\t".repeat(5));
        Path tabs = Files.write(tmp.resolve("missing-row.tsv"), lines);
        assertOneLineError(run("score", "--model", model.toString(), "--data", tabs.toString(), "--out",
                tmp.resolve("missing-row-scores.csv").toString()), 1, "score", "missing-row.tsv:6", "column 1 is empty");
    }

    /** A value float32 cannot hold, or no number, is named with its column and why. */
    @Test
    void aValueBeyondFloat32IsNamedWithItsColumn() throws Exception {
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(data));
        lines.set(3, lines.get(3).replaceFirst(",[^,]*,", ",1e39,"));
        Path large = Files.write(tmp.resolve("large.csv"), lines);
        assertOneLineError(run("score", "--model", model.toString(), "--data", large.toString(), "--out",
                tmp.resolve("large-scores.csv").toString()), 1, "score", "large.csv:4", "column 2 is 1e39, beyond float32's range");
        lines.set(3, lines.get(3).replace("1e39", "NaN"));
        Path nan = Files.write(tmp.resolve("nan.csv"), lines);
        assertOneLineError(run("score", "--model", model.toString(), "--data", nan.toString(), "--out",
                tmp.resolve("nan-scores.csv").toString()), 1, "score", "nan.csv:4", "column 2 is NaN, no number");
        // a file of numbers separated by spaces reads as one column of cells that are no numbers
        Path spaced = Files.write(tmp.resolve("spaced.txt"), List.of("1.5 2 3", "4 5 6.25"));
        assertOneLineError(run("score", "--model", model.toString(), "--data", spaced.toString(), "--out",
                tmp.resolve("spaced-scores.csv").toString()), 1, "score", "spaced.txt:1", "separated by spaces");
    }

    /** --labels and --image-size do nothing for sensor frames: refused by name, not ignored. */
    @Test
    void imageOptionsForSensorFramesAreRefusedByName() {
        assertOneLineError(run("train", "--data", data.toString(), "--labels", "0", "--out", tmp.resolve("m-labels").toString()),
                2, "train", "--labels", "leave --labels out");
        assertOneLineError(run("train", "--data", data.toString(), "--image-size", "28x28x1", "--out",
                tmp.resolve("m-size").toString()), 2, "train", "--image-size", "leave --image-size out");
    }
}
