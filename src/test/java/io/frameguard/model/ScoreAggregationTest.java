package io.frameguard.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ScoreAggregationTest {

    /** Two steps of three channels: channel errors (1+3)/2, (2+4)/2, (9+1)/2 = 2, 3, 5. */
    private static final float[] WINDOW = {1, 2, 9, 3, 4, 1};

    private static ModelCard.Input windows() {
        return new ModelCard.Input(ModelCard.Input.SENSOR, 6, List.of("a", "b", "c"), null, 3);
    }

    @Test
    void cardsWithoutAnAggregationScoreTheMeanOfTheMap() {
        ScoreAggregation old = ScoreAggregation.of(new ModelCard.Input(ModelCard.Input.SENSOR, 6, null, null), null);
        assertThat(old.scores(WINDOW, 1)[0]).isCloseTo(20.0 / 6, within(1e-9));
        ScoreAggregation windowsMean = ScoreAggregation.of(windows(), null);
        assertThat(windowsMean.scores(WINDOW, 1)[0]).isCloseTo(20.0 / 6, within(1e-9));
        float[] channels = new float[3];
        windowsMean.channelErrors(WINDOW, 0, channels);
        assertThat(channels).containsExactly(2f, 3f, 5f);
    }

    @Test
    void topChannelsScoreTheMeanOfTheWorstChannels() {
        ModelCard.Scoring worst = new ModelCard.Scoring("channel-normalised", 0, false, 0, 10, 0, ScoreAggregation.TOP_CHANNELS, 1);
        ModelCard.Scoring twoWorst = new ModelCard.Scoring("channel-normalised", 0, false, 0, 10, 0, ScoreAggregation.TOP_CHANNELS, 2);
        float[] twoRows = new float[12];
        System.arraycopy(WINDOW, 0, twoRows, 0, 6);
        System.arraycopy(WINDOW, 0, twoRows, 6, 6);
        twoRows[6] = 100; // second row: channel a errs 100 and 3 over its steps
        assertThat(ScoreAggregation.of(windows(), worst).scores(twoRows, 2)).containsExactly(5.0, 51.5);
        assertThat(ScoreAggregation.of(windows(), twoWorst).scores(twoRows, 2)).containsExactly(4.0, (51.5 + 5) / 2);
    }

    @Test
    void aChannelTheModelCannotScoreMakesTheScoreNaNNotNormal() {
        ModelCard.Scoring worst = new ModelCard.Scoring("channel-normalised", 0, false, 0, 10, 0, ScoreAggregation.TOP_CHANNELS, 1);
        float[] broken = {Float.POSITIVE_INFINITY, Float.NaN, 0.5f, 0.5f, 0.5f, 0.5f};
        assertThat(ScoreAggregation.of(windows(), worst).scores(broken, 1)[0]).isNaN();
    }

    @Test
    void anAggregationThisReleaseDoesNotKnowIsRefused() {
        ModelCard.Scoring unknown = new ModelCard.Scoring("channel-normalised", 0, false, 0, 10, 0, "median-of-channels", 1);
        ModelCard.Scoring noCount = new ModelCard.Scoring("channel-normalised", 0, false, 0, 10, 0, ScoreAggregation.TOP_CHANNELS, null);
        assertThat(ScoreAggregation.check(windows(), unknown)).contains("median-of-channels");
        assertThat(ScoreAggregation.check(windows(), noCount)).contains("topChannels");
        assertThat(ScoreAggregation.check(windows(), null)).isNull();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ScoreAggregation.of(windows(), unknown))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sumsAnyLengthFromAnyOffset() {
        float[] values = new float[23];
        for (int i = 0; i < values.length; i++) {
            values[i] = i + 0.5f;
        }
        for (int from = 0; from < 4; from++) {
            for (int n = 0; n + from <= values.length; n++) {
                double expected = 0;
                for (int i = from; i < from + n; i++) {
                    expected += values[i];
                }
                assertThat(ScoreAggregation.sum(values, from, n)).as("from %d, n %d", from, n).isEqualTo(expected);
            }
        }
    }

    /**
     * The k largest, largest first and the earlier of equal values first, whatever the row's length, offset and ties;
     * rows long enough for the eight-value steps and their tail.
     */
    @Test
    void theStableTopOfTheRow() {
        Random rnd = new Random(7);
        for (int trial = 0; trial < 5_000; trial++) {
            int n = rnd.nextInt(trial % 2 == 0 ? 12 : 70);
            int from = rnd.nextInt(4);
            float[] values = new float[from + n + rnd.nextInt(4)];
            for (int i = 0; i < values.length; i++) {
                values[i] = trial % 3 == 0 ? rnd.nextFloat() : rnd.nextInt(5); // few distinct values: many ties
            }
            int[] top = new int[1 + rnd.nextInt(4)];
            ScoreAggregation.top(values, from, n, top);
            double sum = ScoreAggregation.sum(values, from, n);
            List<Integer> expected = IntStream.range(0, n).boxed()
                    .sorted(Comparator.comparingDouble((Integer c) -> values[from + c]).reversed()) // stable: earlier first
                    .limit(top.length).toList();
            assertThat(IntStream.of(top).limit(expected.size()).boxed().toList()).as("trial %d", trial).isEqualTo(expected);
            double plain = 0;
            for (int i = from; i < from + n; i++) {
                plain += values[i];
            }
            assertThat(sum).isCloseTo(plain, within(1e-9 * (1 + Math.abs(plain))));
        }
    }

    @Test
    void aNaNMakesTheSumNaNAndIsNotListedAfterTheFirstValues() {
        float[] values = new float[40];
        for (int i = 0; i < values.length; i++) {
            values[i] = i;
        }
        values[20] = Float.NaN;
        int[] top = new int[3];
        assertThat(ScoreAggregation.sum(values, 0, values.length)).isNaN();
        ScoreAggregation.top(values, 0, values.length, top);
        assertThat(top).containsExactly(39, 38, 37);
    }
}
