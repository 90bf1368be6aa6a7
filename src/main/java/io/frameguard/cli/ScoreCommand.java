package io.frameguard.cli;

import io.frameguard.datasets.FrameFile;
import io.frameguard.datasets.ImageFiles;
import io.frameguard.events.ChannelError;
import io.frameguard.events.ImageRegion;
import io.frameguard.frames.ImageGeometry;
import io.frameguard.frames.FrameEncoding;
import io.frameguard.inference.FrameBatch;
import io.frameguard.inference.ModelRunner;
import io.frameguard.inference.ScoredFrame;
import io.frameguard.model.ModelArtifact;
import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

// picocli formats the description: '%%' is a percent sign
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Score a file of frames offline with the service's DJL code path; writes index,score,threshold,anomalous "
                + "and each frame's explanation: top_channel,top_channels (sensor models: the channel named first, as "
                + "anomaly events name it, then up to three as name:share;... with '%%', ':' and ';' in names "
                + "percent-encoded) or region_x,region_y,region_width,region_height,region_share "
                + "(image models: the region around the largest error, in pixels, and its share of the error); for a "
                + "directory of images, each one's file name last (a file that is not a readable image is said and "
                + "left out).")
final class ScoreCommand implements Callable<Integer> {

    @Mixin
    FrameInput input;

    @Option(names = "--model", required = true, paramLabel = "MODEL_DIR", description = "Model artifact directory.")
    Path model;

    @Option(names = "--out", required = true, paramLabel = "FILE.csv", description = "CSV to write.")
    Path out;

    @Option(names = "--batch", defaultValue = "256", description = "Frames per predictor call (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--signatures", paramLabel = "FILE.f32", description = "Also write each frame's signature (the model's "
            + "second output: what is wrong with it, for similarity search), float32 little-endian rows in the CSV's order; "
            + "the model card's signature.length values per row.")
    Path signatures;

    @Override
    public Integer call() throws Exception {
        CommandOptions.atLeastOne("--batch", batch);
        input.refuseOverwriting("--out", out);
        input.refuseOverwriting("--signatures", signatures);
        ModelArtifact artifact = ModelArtifact.open(model);
        int dim = artifact.card().input().dim();
        if (input.dim > 0 && input.dim != dim) {
            throw new IllegalArgumentException("--dim " + input.dim + " does not match the model's input dim " + dim);
        }
        ImageGeometry image = artifact.card().input().image();
        if (input.imageSize != null && !FrameInput.parseGeometry(input.imageSize).equals(image)) {
            throw new IllegalArgumentException("--image-size " + input.imageSize + ": model " + artifact.card().version()
                    + (image == null ? " takes sensor frames, not images" : " takes " + image + " images, and score converts "
                            + "every image to that size itself"));
        }
        if (input.dim == 0 && input.format() == FrameFile.Format.f32) {
            input.dim = dim; // an f32 file's frames are as long as the model's (a CSV's count is compared below)
        }
        // a directory's unreadable image is said and left out, as the service dead-letters such a frame and goes on
        ImageFiles.ImageDir dir = input.format() == FrameFile.Format.pngDir ? ImageFiles.readImageDir(input.data, image, true)
                : null;
        if (dir != null) {
            dir.skipped().values().forEach(reason -> System.err.println("frameguard score: skipped " + reason));
            if (dir.frames() == null) {
                throw new FrameFile.FrameFormatException(input.data + ": none of its " + dir.files().size()
                        + " image files is readable (said above)");
            }
        }
        FrameFile data = dir != null ? dir.frames() : input.read(image);
        // a header of column numbers read as a frame, a clock column, images of another size: said, then scored
        for (String doubt : dir != null ? dir.doubts() : input.doubts()) {
            System.err.println("warning: " + input.data.getFileName() + ": " + doubt);
        }
        if (data.dim() != dim) {
            String columns = data.columnsAgainst(artifact.card().input().featureNames());
            throw new FrameFile.FrameFormatException(input.data + " has " + data.dim() + " values per frame, model "
                    + artifact.card().version() + " expects " + dim + (columns.isEmpty() ? "" : ": " + columns));
        }
        data = data.inColumnOrder(artifact.card().input().featureNames(), input.data);
        if (signatures != null && artifact.card().signature() == null) {
            throw new IllegalArgumentException("--signatures: model " + artifact.card().version() + " has no signature output "
                    + "(trained before signatures, or sensor frames of more than 64 values)");
        }
        CommandOptions.createParent(out);
        if (signatures != null) {
            CommandOptions.createParent(signatures);
        }
        double threshold = artifact.card().threshold().value();
        long anomalies = 0;
        long unscorable = 0; // frames whose score is no number
        int firstUnscorable = -1;
        Map<String, Long> namedFirst = new HashMap<>(); // channel -> frames above the threshold that name it first
        try (ModelRunner scorer = ModelRunner.load(artifact);
                ModelRunner.Session session = scorer.newSession();
                BufferedWriter w = Files.newBufferedWriter(out);
                OutputStream sig = signatures == null ? OutputStream.nullOutputStream()
                        : new BufferedOutputStream(Files.newOutputStream(signatures))) {
            w.write("index,score,threshold,anomalous," + (image == null ? SENSOR_EXPLANATION : IMAGE_EXPLANATION)
                    + (dir != null ? ",file" : "") + "\n");
            for (int from = 0; from < data.rows(); from += batch) {
                int n = Math.min(batch, data.rows() - from);
                FrameBatch frames = new FrameBatch(data.values(), from * dim, n, dim);
                List<ScoredFrame> scored = signatures == null ? session.score(frames) : session.scoreWithSignatures(frames);
                for (int i = 0; i < n; i++) {
                    double s = scored.get(i).score();
                    int place = dir != null ? dir.places()[from + i] : from + i;
                    boolean scorable = Double.isFinite(s);
                    if (!scorable) {
                        // NaN > threshold is false: the frame would pass as normal. Values too large for the model's
                        // float32 arithmetic are as far from normal as a frame gets (the service dead-letters it).
                        s = Double.POSITIVE_INFINITY;
                        if (unscorable++ == 0) {
                            firstUnscorable = place;
                        }
                    }
                    boolean anomalous = s > threshold;
                    anomalies += anomalous ? 1 : 0;
                    if (anomalous && scorable && !scored.get(i).topChannels().isEmpty()) {
                        namedFirst.merge(scored.get(i).topChannels().get(0).name(), 1L, Long::sum);
                    }
                    w.write(String.format(Locale.ROOT, "%d,%.6g,%.6g,%b,%s%s%n", place, s, threshold, anomalous,
                            scorable ? explanation(scored.get(i), image != null) : image != null ? ",,,," : ",",
                            dir != null ? "," + csvField(dir.files().get(place)) : ""));
                    if (signatures != null) {
                        sig.write(FrameEncoding.float32(scored.get(i).signature()));
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "scored %d frames with model %s: %d above threshold %.4g -> %s%s%s%n",
                data.rows(), artifact.card().version(), anomalies, threshold, out,
                signatures == null ? "" : ", signatures (" + artifact.card().signature().length() + " floats each) -> " + signatures,
                dir == null || dir.skipped().isEmpty() ? "" : "; " + dir.skipped().size() + " unreadable image file"
                        + (dir.skipped().size() == 1 ? "" : "s") + " skipped (said above)");
        if (unscorable > 0) {
            System.err.printf(Locale.ROOT, "frameguard score: %d frame%s (the first at index %d) scored Infinity and anomalous: "
                    + "%s values too large for the model's float32 arithmetic (the service sends such a frame to the "
                    + "dead-letter topic)%n", unscorable, unscorable == 1 ? "" : "s", firstUnscorable,
                    unscorable == 1 ? "its" : "their");
        }
        if (!namedFirst.isEmpty()) {
            System.out.println("  named first above the threshold: " + namedFirst.entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                    .limit(MOST_NAMED).map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "))
                    + (namedFirst.size() > MOST_NAMED ? ", ..." : ""));
        }
        return 0;
    }

    /** Channels the summary line lists, most often named first. */
    static final int MOST_NAMED = 5;

    /** The explanation's columns of a sensor model's frames. */
    static final String SENSOR_EXPLANATION = "top_channel,top_channels";
    /** The explanation's columns of an image model's frames. */
    static final String IMAGE_EXPLANATION = "region_x,region_y,region_width,region_height,region_share";

    /** A frame's explanation as the header's columns say ({@link #SENSOR_EXPLANATION}, {@link #IMAGE_EXPLANATION}). */
    static String explanation(ScoredFrame frame, boolean image) {
        ImageRegion r = frame.region();
        if (image) {
            return r == null ? ",,,," // an error map that is zero everywhere
                    : String.format(Locale.ROOT, "%d,%d,%d,%d,%.4f", r.x(), r.y(), r.width(), r.height(), r.share());
        }
        if (frame.topChannels().isEmpty()) {
            return ",";
        }
        StringBuilder top = new StringBuilder();
        for (ChannelError c : frame.topChannels()) {
            top.append(top.length() > 0 ? ";" : "").append(listedName(c.name())).append(':')
                    .append(String.format(Locale.ROOT, "%.4f", c.share()));
        }
        return csvField(frame.topChannels().get(0).name()) + "," + csvField(top.toString());
    }

    /**
     * A channel name in the {@code name:share;...} list: its '%', ':' and ';' percent-encoded, so that the list splits
     * into entries and each entry into a name and a share whatever the training file's header called the channels.
     */
    static String listedName(String name) {
        return String.valueOf(name).replace("%", "%25").replace(":", "%3A").replace(";", "%3B");
    }

    /** A CSV field as RFC 4180 writes it: quoted, its quotes doubled, where it holds a comma, a quote or a line break. */
    private static String csvField(String text) {
        String t = String.valueOf(text);
        return t.matches("(?s).*[,\"\r\n].*") ? '"' + t.replace("\"", "\"\"") + '"' : t;
    }
}
