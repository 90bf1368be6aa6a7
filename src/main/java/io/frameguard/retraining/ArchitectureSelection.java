package io.frameguard.retraining;

import io.frameguard.datasets.FrameFile;
import io.frameguard.inference.ModelRunner;
import io.frameguard.model.ModelArtifact;
import io.frameguard.model.ModelCard;
import io.frameguard.training.AutoencoderTrainer;
import io.frameguard.training.NotEnoughDataException;
import io.frameguard.training.TrainingOptions;
import io.frameguard.training.TrainingProgress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.commons.io.FileUtils;

/**
 * {@code frameguard train --select}: which architecture fits these frames, decided without a test set.
 *
 * <p>A share ({@value #HOLDOUT_FRACTION}) of the frames is held out from every candidate. Each candidate (the
 * architectures that suit the frames: {@link #candidates}) trains on the rest with the same options, and scores the
 * held-out frames and corrupted copies of them ({@link ChampionChallenger#corrupt(ModelCard.Input, float[], int, long)}:
 * the same synthetic anomalies the retraining job's champion/challenger uses). The candidate whose scores separate the
 * copies from the frames best (AUROC) wins; a candidate must beat the best before it in the list by more than
 * {@value #MIN_GAIN} to displace it, so the default (first) wins ties. The winner is the model written, its card
 * recording every candidate's figures; the retraining job trains its successors like it
 * ({@link TrainingOptions#like}), so the choice holds until someone selects again.
 */
public final class ArchitectureSelection {

    /** Share of the frames held out from every candidate, to compare them. */
    public static final double HOLDOUT_FRACTION = 0.1;
    /** Fewest held-out frames that say anything about a candidate. */
    public static final int MIN_HOLDOUT = 50;
    /** AUROC a later candidate must gain over the best so far to be chosen instead: sampling noise on a few hundred frames. */
    public static final double MIN_GAIN = 0.002;

    /** The selected model and the selection its card records. */
    public record Result(ModelArtifact chosen, ModelCard.Selection selection) {}

    private ArchitectureSelection() {
    }

    /**
     * The candidates for frames like {@code data}, the default first: for sensor windows channels (linear), channels
     * (relu), temporal (windows of a multiple of 4 steps) and dense; for one-step sensor frames dense, dense linear and
     * variational; for images dense, conv (sides multiples of 4) and variational. Each keeps {@code base}'s other options.
     */
    public static List<TrainingOptions> candidates(TrainingOptions base, FrameFile data) {
        List<TrainingOptions> out = new ArrayList<>();
        if (data.image() != null) {
            out.add(base.toBuilder().architecture(TrainingOptions.DENSE).build());
            if (data.image().width() % 4 == 0 && data.image().height() % 4 == 0) {
                out.add(base.toBuilder().architecture(TrainingOptions.CONV).build());
            }
            out.add(base.toBuilder().architecture(TrainingOptions.VAE).build());
        } else if (base.channels() > 0) {
            if (base.channels() >= 2) { // one channel has no others to be rebuilt from
                out.add(base.toBuilder().architecture(TrainingOptions.CHANNELS).activation(TrainingOptions.LINEAR).build());
                out.add(base.toBuilder().architecture(TrainingOptions.CHANNELS).activation(TrainingOptions.RELU).build());
            }
            if ((data.dim() / base.channels()) % 4 == 0) {
                out.add(base.toBuilder().architecture(TrainingOptions.TEMPORAL).activation(TrainingOptions.AUTO).build());
            }
            out.add(base.toBuilder().architecture(TrainingOptions.DENSE).activation(TrainingOptions.RELU).build());
        } else {
            out.add(base.toBuilder().architecture(TrainingOptions.DENSE).activation(TrainingOptions.RELU).build());
            out.add(base.toBuilder().architecture(TrainingOptions.DENSE).activation(TrainingOptions.LINEAR).build());
            out.add(base.toBuilder().architecture(TrainingOptions.VAE).activation(TrainingOptions.AUTO).build());
        }
        return out;
    }

    /** How a candidate is named on the card: its architecture and activation. */
    static String name(TrainingOptions o) {
        return o.architecture() + (TrainingOptions.AUTO.equals(o.activation()) ? "" : " " + o.activation());
    }

    /** Trains every candidate, writes the winner to {@code outDir} and returns it with the selection on its card. */
    public static Result select(TrainingOptions base, FrameFile data, Path outDir, String summary, TrainingProgress progress)
            throws Exception {
        AutoencoderTrainer.requireVariation(data, summary); // once, before the candidates' split would say it of each
        int holdout = (int) Math.round(data.rows() * HOLDOUT_FRACTION);
        if (holdout < MIN_HOLDOUT) {
            throw new NotEnoughDataException("--select holds out " + HOLDOUT_FRACTION + " of the frames to compare the "
                    + "candidates and needs at least " + MIN_HOLDOUT + " there: give at least "
                    + (int) Math.ceil(MIN_HOLDOUT / HOLDOUT_FRACTION) + " frames, " + data.rows() + " given");
        }
        AutoencoderTrainer.requireNoModel(outDir);
        int[] order = AutoencoderTrainer.permutation(data.rows(), new Random(base.seed() + 5));
        int dim = data.dim();
        float[] held = new float[holdout * dim];
        float[] rest = new float[(data.rows() - holdout) * dim];
        for (int i = 0; i < data.rows(); i++) {
            System.arraycopy(data.values(), order[i] * dim, i < holdout ? held : rest, (i < holdout ? i : i - holdout) * dim, dim);
        }
        FrameFile training = new FrameFile(dim, data.rows() - holdout, rest, data.featureNames(), data.image());
        Path parent = outDir.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path work = Files.createTempDirectory(parent, ".frameguard-select-");
        // the candidates' SavedModels are large and a selection runs long: an interrupted one (Ctrl-C, SIGTERM) removes them too
        Thread cleanup = new Thread(() -> FileUtils.deleteQuietly(work.toFile()), "frameguard-select-cleanup");
        try {
            Runtime.getRuntime().addShutdownHook(cleanup);
            List<ModelCard.Candidate> tried = new ArrayList<>();
            ModelArtifact best = null;
            double bestAuroc = Double.NEGATIVE_INFINITY;
            String bestName = null;
            float[] corrupted = null;
            for (TrainingOptions candidate : candidates(base, data)) {
                String name = name(candidate);
                ModelArtifact model = new AutoencoderTrainer(candidate, progress).train(training,
                        work.resolve(name.replace(' ', '-')), summary + "; selection candidate " + name);
                if (corrupted == null) {
                    corrupted = ChampionChallenger.corrupt(model.card().input(), held, holdout, base.seed() + 6);
                }
                ModelCard.Contender figures;
                try (ModelRunner runner = ModelRunner.load(model)) {
                    figures = ChampionChallenger.measure(runner, held, corrupted, holdout, dim);
                }
                tried.add(new ModelCard.Candidate(name, figures.syntheticAuroc(), figures.falseAlarmRate()));
                if (best == null || figures.syntheticAuroc() > bestAuroc + MIN_GAIN) {
                    best = model;
                    bestAuroc = figures.syntheticAuroc();
                    bestName = name;
                }
            }
            ModelCard.Selection selection = new ModelCard.Selection(Instant.now().toString(), holdout,
                    ChampionChallenger.corruption(best.card().input()), tried, bestName, String.format(Locale.ROOT,
                            "highest AUROC of corrupted copies against %d held-out frames (%.4f); a later candidate needed "
                                    + "more than %.3f over the best before it", holdout, bestAuroc, MIN_GAIN));
            Files.createDirectories(outDir);
            Files.move(best.savedModelDir(), outDir.resolve(ModelArtifact.SAVED_MODEL_DIR));
            ModelArtifact chosen = ModelArtifact.seal(outDir, best.card().withSelection(selection));
            return new Result(chosen, selection);
        } finally {
            FileUtils.deleteQuietly(work.toFile());
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting: the hook runs anyway
            }
        }
    }
}
