package io.frameguard.memory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.ml.clustering.Cluster;
import org.apache.commons.math3.ml.clustering.Clusterable;
import org.apache.commons.math3.ml.clustering.DBSCANClusterer;
import org.apache.commons.math3.stat.correlation.Covariance;
import org.apache.commons.math3.util.MathArrays;

/**
 * The families of remembered anomalies: incidents whose signatures lie close together (cosine), found by DBSCAN, and a
 * 2-D map of all of them (their signatures projected on the first two principal components) for the console to draw.
 *
 * <p>Business rule: two incidents are neighbours when their signatures are at least {@code similarity} alike (the
 * memory's {@code recognise-similarity}: the same "alike" that recognises a new event by its confirmed neighbours); a
 * family is a group of at least {@value #MIN_MEMBERS} incidents reachable from each other through neighbours, each
 * with {@value #MIN_MEMBERS} − 1 neighbours or more somewhere in the chain. An incident in no family is family -1.
 * Only signatures of one kind are compared (a sensor's and an image's say different things).
 */
public final class AnomalyFamilies {

    /** Fewest incidents that make a family (DBSCAN's minimum points, the incident itself counted). */
    static final int MIN_MEMBERS = 3;

    /** One incident on the map. */
    public record Point(String incidentId, double x, double y, int family, String source, String status, String label,
            String severity, int count, long lastSeen) {}

    /** One family: its members' count, when it was first and last seen, from where, and how its members stand. */
    public record Family(int id, int incidents, long events, long firstSeen, long lastSeen, List<String> sources,
            Map<String, Integer> statuses, Map<String, Integer> labels) {}

    /**
     * The map of the memory's newest incidents of one signature kind.
     *
     * @param kind the signature kind mapped
     * @param considered incidents on the map (the newest ones, at most the limit asked)
     * @param similarity the similarity that makes neighbours
     * @param families the largest first
     */
    public record FamilyMap(String kind, int considered, double similarity, List<Point> points, List<Family> families) {}

    private AnomalyFamilies() {
    }

    /**
     * Maps incidents that all carry signatures of {@code kind}.
     *
     * @param incidents with signatures of one kind, of one length
     */
    public static FamilyMap of(String kind, List<AnomalyMemory.Remembered> incidents, double similarity) {
        int n = incidents.size();
        if (n == 0) {
            return new FamilyMap(kind, 0, similarity, List.of(), List.of());
        }
        List<Unit> units = new ArrayList<>(n);
        for (AnomalyMemory.Remembered r : incidents) {
            units.add(new Unit(r, unit(r.event().signature().values())));
        }
        // cosine distance of unit vectors: 1 - a·b
        DBSCANClusterer<Unit> dbscan = new DBSCANClusterer<>(1.0 - similarity, MIN_MEMBERS,
                (a, b) -> Math.max(0.0, 1.0 - MathArrays.linearCombination(a, b)));
        List<Cluster<Unit>> clusters = new ArrayList<>(dbscan.cluster(units));
        clusters.sort(Comparator.comparingInt((Cluster<Unit> c) -> c.getPoints().size()).reversed());
        Map<Unit, Integer> familyOf = new IdentityHashMap<>();
        List<Family> families = new ArrayList<>();
        for (int f = 0; f < clusters.size(); f++) {
            List<Unit> members = clusters.get(f).getPoints();
            int id = f;
            members.forEach(u -> familyOf.put(u, id));
            families.add(family(id, members));
        }
        double[][] xy = project(units);
        List<Point> points = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Unit u = units.get(i);
            AnomalyMemory.Remembered r = u.incident();
            points.add(new Point(r.entry().id(), xy[i][0], xy[i][1], familyOf.getOrDefault(u, -1), r.entry().source(),
                    r.status(), r.verdict() == null ? null : r.verdict().label(), r.event().severity(),
                    r.entry().incident().count(), r.entry().lastSeen()));
        }
        return new FamilyMap(kind, n, similarity, points, families);
    }

    private static Family family(int id, List<Unit> members) {
        long events = 0;
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        TreeSet<String> sources = new TreeSet<>();
        Map<String, Integer> statuses = new LinkedHashMap<>();
        Map<String, Integer> labels = new HashMap<>();
        for (Unit u : members) {
            AnomalyMemory.Remembered r = u.incident();
            events += r.entry().incident().count();
            first = Math.min(first, r.entry().incident().firstSeen());
            last = Math.max(last, r.entry().lastSeen());
            sources.add(r.entry().source());
            statuses.merge(r.status(), 1, Integer::sum);
            if (r.verdict() != null && r.verdict().label() != null) {
                labels.merge(r.verdict().label(), 1, Integer::sum);
            }
        }
        return new Family(id, members.size(), events, first, last, List.copyOf(sources), statuses, labels);
    }

    /**
     * Each signature's place on the first two principal components of all of them (0 on a component the signatures
     * do not vary along).
     */
    static double[][] project(List<Unit> units) {
        int n = units.size();
        int d = units.get(0).getPoint().length;
        double[][] out = new double[n][2];
        if (n < 2) {
            return out;
        }
        double[][] data = new double[n][];
        for (int i = 0; i < n; i++) {
            data[i] = units.get(i).getPoint();
        }
        RealMatrix covariance = new Covariance(data, false).getCovarianceMatrix();
        EigenDecomposition eigen = new EigenDecomposition(covariance);
        double[] values = eigen.getRealEigenvalues();
        Integer[] order = new Integer[values.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, Comparator.comparingDouble((Integer i) -> values[i]).reversed());
        double[] mean = new double[d];
        for (double[] row : data) {
            for (int j = 0; j < d; j++) {
                mean[j] += row[j] / n;
            }
        }
        for (int c = 0; c < Math.min(2, order.length); c++) {
            if (values[order[c]] <= 1e-12) {
                continue;
            }
            double[] axis = eigen.getEigenvector(order[c]).toArray();
            for (int i = 0; i < n; i++) {
                double s = 0;
                for (int j = 0; j < d; j++) {
                    s += (data[i][j] - mean[j]) * axis[j];
                }
                out[i][c] = s;
            }
        }
        return out;
    }

    private static double[] unit(float[] v) {
        ArrayRealVector vector = new ArrayRealVector(v.length);
        for (int i = 0; i < v.length; i++) {
            vector.setEntry(i, v[i]);
        }
        return vector.getNorm() > 0 ? vector.unitVector().toArray() : vector.toArray(); // a vector of zeros stays zeros
    }

    /** An incident and its signature at unit length, as DBSCAN wants it (compared by identity). */
    record Unit(AnomalyMemory.Remembered incident, double[] getPoint) implements Clusterable {

        @Override
        public boolean equals(Object o) {
            return this == o;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(this);
        }
    }
}
