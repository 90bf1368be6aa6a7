package io.frameguard.heatmaps;

import io.frameguard.events.FrameRef;
import io.frameguard.frames.ImageGeometry;
import io.frameguard.model.ModelCard;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The error maps of recent image frames that may be anomalies, with the frames themselves, so that an anomaly's
 * heatmap can be drawn after the detector has named it. Memory is bounded: entries are kept in insertion order
 * and the oldest go once the store holds more than {@code maxBytes}.
 *
 * <p>The scorer does not know which frames the detector will call anomalous (its threshold rolls), so it keeps
 * every frame whose score reaches the lowest threshold the detector can use: the model's initial threshold times
 * the detector's floor factor. Keys are the frame's coordinates, as in an anomaly's {@code eventId}.
 */
public final class HeatmapStore {

    /**
     * One kept frame: the input values in [0, 1] and the error map, both in the model's geometry, with its score
     * and the model's initial threshold (the scale a heatmap's colours are read against).
     */
    public record Heatmap(String modelVersion, ImageGeometry geometry, float[] frame, float[] errors, double score,
            double modelThreshold) {
        long bytes() {
            return 4L * (frame.length + errors.length) + 128;
        }
    }

    private final long maxBytes;
    private final double floorFactor;
    private final LinkedHashMap<String, Heatmap> entries = new LinkedHashMap<>();
    private long bytes;

    /**
     * @param maxBytes memory for kept frames and maps; 0 keeps nothing
     * @param floorFactor the detector's threshold floor as a factor of the model's initial threshold
     */
    public HeatmapStore(long maxBytes, double floorFactor) {
        this.maxBytes = maxBytes;
        this.floorFactor = floorFactor;
    }

    /** Keeps the frame at {@code values[valueOffset..]} and its map at {@code errors[errorOffset..]} if it may be an anomaly. */
    public void offer(ConsumerRecord<?, ?> record, double score, ModelCard card, float[] values, int valueOffset,
            float[] errors, int errorOffset) {
        ImageGeometry g = card.input().image();
        if (maxBytes == 0 || g == null || score < card.threshold().value() * floorFactor) {
            return;
        }
        float[] frame = new float[g.dim()];
        System.arraycopy(values, valueOffset, frame, 0, frame.length);
        float[] map = new float[g.pixels()];
        System.arraycopy(errors, errorOffset, map, 0, map.length);
        put(FrameRef.of(record), new Heatmap(card.version(), g, frame, map, score, card.threshold().value()));
    }

    synchronized void put(FrameRef frame, Heatmap h) {
        String key = frame.id();
        if (h.bytes() > maxBytes) {
            return;
        }
        Heatmap old = entries.remove(key);
        if (old != null) {
            bytes -= old.bytes();
        }
        entries.put(key, h);
        bytes += h.bytes();
        for (Iterator<Map.Entry<String, Heatmap>> it = entries.entrySet().iterator(); bytes > maxBytes && it.hasNext(); ) {
            bytes -= it.next().getValue().bytes();
            it.remove();
        }
    }

    public synchronized Optional<Heatmap> get(FrameRef frame) {
        return Optional.ofNullable(entries.get(frame.id()));
    }
}
