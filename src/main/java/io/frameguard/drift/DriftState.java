package io.frameguard.drift;

import io.frameguard.events.StateSerde;

/**
 * What the drift monitor remembers per source (state store {@code source-drift}, changelogged).
 *
 * @param modelVersion the model whose validation ranks the window counts
 * @param counts frames of the current window per rank bin
 * @param windowStartTs capture time of the window's first frame, epoch ms
 * @param drifting whether the last complete window drifted (an episode is open)
 * @param lastPsi PSI of the last complete window; NaN before the first
 */
public record DriftState(String modelVersion, long[] counts, long windowStartTs, boolean drifting, double lastPsi) {

    /** The store's serde: binary, reads the JSON of older detectors too. */
    public static final StateSerde<DriftState> SERDE = new StateSerde<>(DriftState.class, (out, s) -> {
        StateSerde.writeNullable(out, s.modelVersion());
        out.writeInt(s.counts().length);
        for (long c : s.counts()) {
            out.writeLong(c);
        }
        out.writeLong(s.windowStartTs());
        out.writeBoolean(s.drifting());
        out.writeDouble(s.lastPsi());
    }, in -> {
        String version = StateSerde.readNullable(in);
        int bins = in.readInt();
        // a damaged count must not allocate more than the value holds
        if (bins < 0 || (long) bins * Long.BYTES > in.available()) {
            throw new java.io.IOException("bin count " + bins + " does not fit the value");
        }
        long[] counts = new long[bins];
        for (int i = 0; i < bins; i++) {
            counts[i] = in.readLong();
        }
        return new DriftState(version, counts, in.readLong(), in.readBoolean(), in.readDouble());
    });

    static DriftState fresh(String modelVersion) {
        return new DriftState(modelVersion, new long[DriftPolicy.BINS], -1, false, Double.NaN);
    }

    long frames() {
        long n = 0;
        for (long c : counts) {
            n += c;
        }
        return n;
    }
}
