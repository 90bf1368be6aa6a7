package io.frameguard.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.testing.Vectors;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The vector index against brute-force cosine: the same neighbours, filters, replacement and removal. */
class MemoryIndexTest {

    private static final int DIM = 32;
    private static final String SPACE = "test-32";

    @Test
    void findsTheNeighboursThatBruteForceFinds() throws Exception {
        SplittableRandom random = new SplittableRandom(7);
        float[][] centres = new float[20][];
        for (int c = 0; c < centres.length; c++) {
            centres[c] = gaussian(random, 1.0);
        }
        float[][] vectors = new float[2000][];
        try (MemoryIndex index = new MemoryIndex()) {
            for (int i = 0; i < vectors.length; i++) {
                vectors[i] = add(centres[i % centres.length], gaussian(random, 0.3));
                index.put(new MemoryIndex.Entry("e" + i, "s" + (i % 4), SPACE, vectors[i]));
            }
            assertThat(index.size()).isEqualTo(vectors.length);
            int hits = 0;
            int queries = 50;
            for (int q = 0; q < queries; q++) {
                float[] query = add(centres[q % centres.length], gaussian(random, 0.3));
                List<String> exact = IntStream.range(0, vectors.length).boxed()
                        .sorted(Comparator.comparingDouble(i -> -Vectors.cosine(query, vectors[i]))).limit(5).map(i -> "e" + i).toList();
                List<MemoryIndex.Neighbour> found = index.nearest(SPACE, query, 5, Optional.empty(), Set.of());
                assertThat(found).hasSize(5);
                assertThat(found.get(0).similarity()).isCloseTo(Vectors.cosine(query, vectors[Integer.parseInt(found.get(0).eventId().substring(1))]),
                        org.assertj.core.data.Offset.offset(1e-4));
                hits += (int) found.stream().filter(n -> exact.contains(n.eventId())).count();
            }
            assertThat(hits / (5.0 * queries)).as("recall at 5 against brute force").isGreaterThanOrEqualTo(0.95);
        }
    }

    @Test
    void takesTheLongestSignatureAModelMayHaveAndRefusesWhatLuceneCannotTakeBeforeChangingAnything() throws Exception {
        try (MemoryIndex index = new MemoryIndex()) {
            // a first entry that is refused fixes nothing for the entries after it
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> index.put(new MemoryIndex.Entry("x", "pump-1", "long",
                    new float[] {Float.NaN, 1, 2}))).isInstanceOf(IllegalArgumentException.class);
            float[] longest = new float[io.frameguard.events.Signature.MAX_LENGTH];
            longest[3] = 1;
            index.put(new MemoryIndex.Entry("a", "pump-1", "long", longest));
            assertThat(index.nearest("long", longest, 1, Optional.empty(), Set.of())).extracting(MemoryIndex.Neighbour::eventId)
                    .containsExactly("a");
            for (float[] bad : new float[][] {new float[longest.length + 1], {1, Float.NaN}}) {
                bad[0] = 1;
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> index.put(new MemoryIndex.Entry("a", "pump-1", "long", bad)))
                        .isInstanceOf(IllegalArgumentException.class);
                assertThat(index.nearest("long", bad, 1, Optional.empty(), Set.of())).isEmpty();
            }
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> index.put(new MemoryIndex.Entry("b", null, "long", longest)))
                    .isInstanceOf(IllegalArgumentException.class);
            // "a" is still there, unchanged
            assertThat(index.nearest("long", longest, 2, Optional.empty(), Set.of())).extracting(MemoryIndex.Neighbour::eventId)
                    .containsExactly("a");
            // a signature of the space's kind but another length (a hand-written record, first or not) has a field of its
            // own: it neither refuses the space's signatures nor is compared with them
            index.put(new MemoryIndex.Entry("c", "pump-1", "long", new float[] {1, 2}));
            index.put(new MemoryIndex.Entry("d", "pump-1", "long", longest.clone()));
            assertThat(index.nearest("long", longest, 5, Optional.empty(), Set.of())).extracting(MemoryIndex.Neighbour::eventId)
                    .containsExactlyInAnyOrder("a", "d");
            assertThat(index.nearest("long", new float[] {1, 2}, 5, Optional.empty(), Set.of())).extracting(MemoryIndex.Neighbour::eventId)
                    .containsExactly("c");
        }
    }

    @Test
    void filtersBySourceExcludesReplacesAndRemoves() throws Exception {
        try (MemoryIndex index = new MemoryIndex()) {
            index.put(new MemoryIndex.Entry("a", "pump-1", SPACE, unit(0)));
            index.put(new MemoryIndex.Entry("b", "pump-2", SPACE, unit(0)));
            index.put(new MemoryIndex.Entry("c", "pump-1", SPACE, unit(1)));
            index.put(new MemoryIndex.Entry("other-space", "pump-1", "other-8", new float[] {1, 0, 0, 0, 0, 0, 0, 0}));

            assertThat(ids(index.nearest(SPACE, unit(0), 3, Optional.empty(), Set.of()))).startsWith("a", "b").hasSize(3);
            assertThat(ids(index.nearest(SPACE, unit(0), 3, Optional.of("pump-1"), Set.of()))).containsExactly("a", "c");
            assertThat(ids(index.nearest(SPACE, unit(0), 3, Optional.empty(), Set.of("a")))).startsWith("b");
            assertThat(index.nearest(SPACE, unit(0), 1, Optional.empty(), Set.of()).get(0).similarity())
                    .isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));

            index.put(new MemoryIndex.Entry("a", "pump-1", SPACE, unit(1))); // the incident's entry, updated
            assertThat(ids(index.nearest(SPACE, unit(1), 2, Optional.of("pump-1"), Set.of()))).containsExactlyInAnyOrder("a", "c");
            index.remove("c");
            assertThat(ids(index.nearest(SPACE, unit(1), 3, Optional.of("pump-1"), Set.of()))).containsExactly("a");
            index.put(new MemoryIndex.Entry("a", "pump-1", SPACE, new float[DIM])); // no direction: removed, not indexed
            assertThat(index.nearest(SPACE, unit(1), 3, Optional.of("pump-1"), Set.of())).isEmpty();
            assertThat(index.nearest(SPACE, new float[DIM], 3, Optional.empty(), Set.of())).isEmpty();
        }
    }

    private static List<String> ids(List<MemoryIndex.Neighbour> ns) {
        return ns.stream().map(MemoryIndex.Neighbour::eventId).toList();
    }

    private static float[] unit(int axis) {
        float[] v = new float[DIM];
        v[axis] = 1;
        return v;
    }

    private static float[] gaussian(SplittableRandom r, double sd) {
        float[] v = new float[DIM];
        for (int i = 0; i < DIM; i++) {
            // Box-Muller
            v[i] = (float) (sd * Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble()));
        }
        return v;
    }

    private static float[] add(float[] a, float[] b) {
        float[] v = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            v[i] = a[i] + b[i];
        }
        return v;
    }
}
