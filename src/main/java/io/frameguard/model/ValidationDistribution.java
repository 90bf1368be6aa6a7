package io.frameguard.model;

import java.util.Base64;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.memory.Memory;
import org.apache.datasketches.quantilescommon.DoublesSortedView;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;

/**
 * A model's scores on its held-out normal frames (the KLL sketch on its card), as a ruler for live scores: the
 * {@link #rank} of a score is the share of validation frames that scored lower. While the stream looks like the
 * validation data, live ranks are uniform on [0, 1]; drift shows as ranks piling up at one end.
 *
 * <p>Immutable and thread-safe (the sketch's sorted view is built once, here).
 */
public final class ValidationDistribution {

    private final DoublesSortedView view;
    private final long frames;

    private ValidationDistribution(KllDoublesSketch sketch) {
        this.view = sketch.getSortedView();
        this.frames = sketch.getN();
    }

    /** The card's validation distribution; null when the card carries no sketch (cards of other tools). */
    public static ValidationDistribution of(ModelCard card) {
        if (card.training() == null || card.training().validationErrors() == null
                || card.training().validationErrors().kllSketch() == null) {
            return null;
        }
        try {
            byte[] bytes = Base64.getDecoder().decode(card.training().validationErrors().kllSketch());
            KllDoublesSketch sketch = KllDoublesSketch.heapify(Memory.wrap(bytes));
            return sketch.isEmpty() ? null : new ValidationDistribution(sketch);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("model " + card.version() + " has an unreadable validation sketch: "
                    + e.getMessage(), e);
        }
    }

    /** Share of validation frames whose score is below {@code score}, in [0, 1]. */
    public double rank(double score) {
        if (Double.isNaN(score)) {
            return 1.0;
        }
        return view.getRank(score, QuantileSearchCriteria.EXCLUSIVE);
    }

    /** Validation frames the sketch summarises. */
    public long frames() {
        return frames;
    }
}
