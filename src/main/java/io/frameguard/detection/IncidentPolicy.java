package io.frameguard.detection;

import io.frameguard.config.FrameguardConfig;
import io.frameguard.events.AnomalyEvent;
import io.frameguard.events.Incident;
import io.frameguard.events.MemoryEntry;
import io.frameguard.events.Signature;
import io.frameguard.events.StateSerde;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * When a new anomaly is one more event of an incident already open, rather than an incident of its own: it comes from
 * the same source, at most {@code window} after the incident's latest event, and its signature is at least
 * {@code similarity} similar (cosine) to that event's. So a fault that lasts an hour is one incident in the anomaly
 * memory, with a count and first/last seen, and the memory grows with incidents, not frames. Events without a
 * signature are never merged (nothing says they look alike).
 *
 * @param window zero: never merge
 */
public record IncidentPolicy(Duration window, double similarity) {

    /** The settings' defaults. */
    public static final IncidentPolicy DEFAULT = new IncidentPolicy(Duration.ofMinutes(10), 0.8);

    public static IncidentPolicy from(FrameguardConfig.Memory m) {
        return new IncidentPolicy(m.mergeWindow(), m.mergeSimilarity());
    }

    /** The incident that {@code event} belongs to, given its source's open one ({@code open}, null when none). */
    public OpenIncident next(OpenIncident open, AnomalyEvent event) {
        Signature sig = event.signature();
        boolean joins = open != null && !window.isZero() && sig != null && sig.values() != null
                && sig.kind().equals(open.signatureKind()) && open.signature() != null
                && event.detectedTimestamp() - open.lastSeen() <= window.toMillis()
                && cosine(sig.values(), open.signature()) >= similarity;
        if (!joins) {
            return new OpenIncident(event.eventId(), event.detectedTimestamp(), event.detectedTimestamp(), 1,
                    List.of(event.eventId()), sig == null ? null : sig.kind(), sig == null ? null : sig.values());
        }
        List<String> members = new ArrayList<>(open.members());
        members.add(event.eventId());
        while (members.size() > MemoryEntry.MAX_MEMBERS) {
            members.remove(1); // the first stays: it names the incident
        }
        return new OpenIncident(open.id(), open.firstSeen(), event.detectedTimestamp(), open.count() + 1, members,
                sig.kind(), sig.values());
    }

    /** Cosine similarity; 0 when either vector is all zero or they differ in length. */
    static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            return 0;
        }
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }

    /** A source's latest incident, as the detector's store {@code source-incidents} keeps it. */
    public record OpenIncident(String id, long firstSeen, long lastSeen, int count, List<String> members,
            String signatureKind, float[] signature) {

        public Incident incident() {
            return new Incident(id, count, firstSeen);
        }

        /** Longest signature a stored value may hold (a corrupt length must not allocate gigabytes). */
        static final int MAX_SIGNATURE = 1 << 16;

        /** The store's serde. */
        public static final StateSerde<OpenIncident> SERDE = new StateSerde<>(
                OpenIncident.class, (out, o) -> {
                    out.writeUTF(o.id());
                    out.writeLong(o.firstSeen());
                    out.writeLong(o.lastSeen());
                    out.writeInt(o.count());
                    out.writeShort(o.members().size());
                    for (String m : o.members()) {
                        out.writeUTF(m);
                    }
                    StateSerde.writeNullable(out, o.signatureKind());
                    out.writeInt(o.signature() == null ? -1 : o.signature().length);
                    if (o.signature() != null) {
                        for (float v : o.signature()) {
                            out.writeFloat(v);
                        }
                    }
                }, in -> {
                    String id = in.readUTF();
                    long first = in.readLong();
                    long last = in.readLong();
                    int count = in.readInt();
                    int n = in.readShort();
                    List<String> members = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        members.add(in.readUTF());
                    }
                    String kind = StateSerde.readNullable(in);
                    int length = in.readInt();
                    if (length > MAX_SIGNATURE) {
                        throw new IOException("signature of " + length + " values");
                    }
                    float[] sig = length < 0 ? null : new float[length];
                    for (int i = 0; sig != null && i < length; i++) {
                        sig[i] = in.readFloat();
                    }
                    return new OpenIncident(id, first, last, count, members, kind, sig);
                });
    }
}
