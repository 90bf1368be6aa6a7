package io.frameguard.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The simulator's windows and faults have the properties their names promise. */
class SensorSimulatorTest {

    private static final int CHANNELS = 6;
    private static final int STEPS = 400;
    private final SensorSimulator machine = SensorSimulator.machine(CHANNELS, 5);

    @Test
    void aWindowIsConsecutiveStepsTimeMajor() {
        float[] w = machine.window("m", 1000, 3);
        assertThat(w).hasSize(3 * CHANNELS);
        for (int i = 0; i < 3; i++) {
            float[] step = machine.frame("m", 1000 + i);
            for (int c = 0; c < CHANNELS; c++) {
                assertThat(w[i * CHANNELS + c]).isEqualTo(step[c]);
            }
        }
    }

    @Test
    void faultsTouchOnlyTheirChannelsFromTheirStep() {
        for (SensorSimulator.Fault fault : SensorSimulator.Fault.values()) {
            float[] normal = machine.window("m", 0, STEPS);
            float[] faulty = machine.faultyWindow("m", 0, STEPS, fault, new int[] {2, 4}, 100);
            for (int t = 0; t < STEPS; t++) {
                for (int c = 0; c < CHANNELS; c++) {
                    boolean spike = fault == SensorSimulator.Fault.SPIKE;
                    boolean faultyChannel = c == 2 || c == 4;
                    if (!faultyChannel || t < 100 || spike && t > 100) {
                        assertThat(faulty[t * CHANNELS + c]).as("%s t=%d c=%d", fault, t, c).isEqualTo(normal[t * CHANNELS + c]);
                    } else if (spike || t > 100) { // at the fault's first step a frozen or faster channel still agrees
                        assertThat(faulty[t * CHANNELS + c]).as("%s t=%d c=%d", fault, t, c).isNotEqualTo(normal[t * CHANNELS + c]);
                    }
                }
            }
        }
    }

    @Test
    void aFrozenChannelStaysAtItsValueAndAFasterOneCrossesItsMeanMoreOften() {
        float[] frozen = machine.faultyWindow("m", 0, STEPS, SensorSimulator.Fault.FROZEN, new int[] {1}, 50);
        for (int t = 50; t < STEPS; t++) {
            assertThat(frozen[t * CHANNELS + 1]).isEqualTo(frozen[50 * CHANNELS + 1]);
        }
        float[] normal = machine.window("m", 0, STEPS);
        float[] faster = machine.faultyWindow("m", 0, STEPS, SensorSimulator.Fault.FREQUENCY, new int[] {1}, 0);
        assertThat(crossings(faster, 1)).isGreaterThan(crossings(normal, 1) * 3 / 2);
    }

    @Test
    void aDecorrelatedChannelStopsAgreeingWithTheOthers() {
        // each channel against the one it agreed with most, before and after it lost its phase (mean over channels)
        float[] normal = machine.window("m", 0, STEPS);
        double before = 0;
        double after = 0;
        for (int c = 0; c < CHANNELS; c++) {
            int other = mostCorrelatedWith(normal, c);
            float[] faulty = machine.faultyWindow("m", 0, STEPS, SensorSimulator.Fault.DECORRELATED, new int[] {c}, 0);
            before += Math.abs(correlation(normal, c, other)) / CHANNELS;
            after += Math.abs(correlation(faulty, c, other)) / CHANNELS;
        }
        assertThat(before).isGreaterThan(0.7);
        assertThat(after).isLessThan(before - 0.3);
    }

    private static int crossings(float[] w, int c) {
        double mean = 0;
        for (int t = 0; t < STEPS; t++) {
            mean += w[t * CHANNELS + c] / STEPS;
        }
        int n = 0;
        for (int t = 1; t < STEPS; t++) {
            n += (w[(t - 1) * CHANNELS + c] - mean) * (w[t * CHANNELS + c] - mean) < 0 ? 1 : 0;
        }
        return n;
    }

    private static int mostCorrelatedWith(float[] w, int c) {
        int best = -1;
        for (int o = 0; o < CHANNELS; o++) {
            if (o != c && (best < 0 || Math.abs(correlation(w, c, o)) > Math.abs(correlation(w, c, best)))) {
                best = o;
            }
        }
        return best;
    }

    private static double correlation(float[] w, int a, int b) {
        double ma = 0;
        double mb = 0;
        for (int t = 0; t < STEPS; t++) {
            ma += w[t * CHANNELS + a] / STEPS;
            mb += w[t * CHANNELS + b] / STEPS;
        }
        double sab = 0;
        double saa = 0;
        double sbb = 0;
        for (int t = 0; t < STEPS; t++) {
            double da = w[t * CHANNELS + a] - ma;
            double db = w[t * CHANNELS + b] - mb;
            sab += da * db;
            saa += da * da;
            sbb += db * db;
        }
        return sab / Math.sqrt(saa * sbb);
    }
}
