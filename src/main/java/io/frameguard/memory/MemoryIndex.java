package io.frameguard.memory;

import io.frameguard.events.Signature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;

/**
 * One replica's index of past anomalies by signature: Lucene's HNSW vectors with cosine similarity, in memory.
 *
 * <p>Signatures are compared only within one <em>space</em>: the kind and length of signature a model emits (its
 * card says which), so that vectors of different models are never compared. An entry is keyed by its event id; a
 * second {@link #put} of the same id replaces it (an incident's merged entry, updated). A search sees every change
 * made before it ({@link #nearest} refreshes the reader when the index changed).
 *
 * <p>Not for signatures that are all zero: cosine is undefined for them, so they are not indexed.
 */
public final class MemoryIndex implements AutoCloseable {

    private static final String ID = "id";
    private static final String SOURCE = "source";
    private static final String VECTOR_PREFIX = "signature:";
    /**
     * Candidates the HNSW search explores per result wanted (Lucene's k is also its beam width): exploring only k
     * misses true neighbours in clustered data; MemoryIndexTest measures the recall against brute force.
     */
    private static final int CANDIDATES_PER_RESULT = 10;
    private static final int MIN_CANDIDATES = 100;

    /** One past anomaly as the index knows it. */
    public record Entry(String eventId, String source, String space, float[] signature) {}

    /** A search result: cosine similarity in [-1, 1], nearest first. */
    public record Neighbour(String eventId, String source, double similarity) {}

    private final ByteBuffersDirectory directory = new ByteBuffersDirectory();
    private final IndexWriter writer;
    private final SearcherManager searchers;

    public MemoryIndex() {
        try {
            writer = new IndexWriter(directory, new IndexWriterConfig().setOpenMode(IndexWriterConfig.OpenMode.CREATE));
            searchers = new SearcherManager(writer, null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the in-memory index", e);
        }
    }

    /**
     * Adds or replaces the entry of {@code entry.eventId()}; an all-zero signature only removes an older one. An entry
     * the index cannot take is refused with an {@link IllegalArgumentException} before anything changes: no source, or a
     * signature with a value that is no number or longer than {@link Signature#MAX_LENGTH}.
     */
    public void put(Entry entry) {
        float[] v = entry.signature();
        if (entry.source() == null || v == null || v.length == 0 || v.length > Signature.MAX_LENGTH) {
            throw new IllegalArgumentException("an entry needs a source and a signature of 1-" + Signature.MAX_LENGTH + " values");
        }
        if (!finite(v)) {
            throw new IllegalArgumentException("a signature holds a value that is no finite number");
        }
        try {
            Term id = new Term(ID, entry.eventId());
            if (isZero(entry.signature())) {
                writer.deleteDocuments(id);
                return;
            }
            Document doc = new Document();
            doc.add(new StringField(ID, entry.eventId(), Field.Store.YES));
            doc.add(new StringField(SOURCE, entry.source(), Field.Store.YES));
            doc.add(new KnnFloatVectorField(field(entry.space(), v.length), v, VectorSimilarityFunction.COSINE));
            writer.updateDocument(id, doc);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void remove(String eventId) {
        try {
            writer.deleteDocuments(new Term(ID, eventId));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The {@code k} entries of {@code space} nearest to {@code query}, nearest first.
     *
     * @param source only entries of this source, when present
     * @param excluding event ids left out (the query's own event)
     */
    public List<Neighbour> nearest(String space, float[] query, int k, Optional<String> source, Set<String> excluding) {
        if (k <= 0 || query.length == 0 || query.length > Signature.MAX_LENGTH || !finite(query) || isZero(query)) {
            return List.of(); // a query no entry can be compared with
        }
        try {
            searchers.maybeRefreshBlocking();
            IndexSearcher searcher = searchers.acquire();
            try {
                BooleanQuery.Builder filter = new BooleanQuery.Builder().add(new MatchAllDocsQuery(), BooleanClause.Occur.FILTER);
                source.ifPresent(s -> filter.add(new TermQuery(new Term(SOURCE, s)), BooleanClause.Occur.FILTER));
                excluding.forEach(id -> filter.add(new TermQuery(new Term(ID, id)), BooleanClause.Occur.MUST_NOT));
                int candidates = Math.max(k * CANDIDATES_PER_RESULT, MIN_CANDIDATES);
                Query knn = new KnnFloatVectorQuery(field(space, query.length), query, candidates, filter.build());
                TopDocs top = searcher.search(knn, k);
                List<Neighbour> found = new ArrayList<>(top.scoreDocs.length);
                for (ScoreDoc d : top.scoreDocs) {
                    Document doc = searcher.storedFields().document(d.doc);
                    // Lucene scores cosine as (1 + cos) / 2
                    found.add(new Neighbour(doc.get(ID), doc.get(SOURCE), 2.0 * d.score - 1.0));
                }
                return found;
            } finally {
                searchers.release(searcher);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Entries in the index (as of the last search or refresh). */
    public int size() {
        try {
            searchers.maybeRefreshBlocking();
            IndexSearcher searcher = searchers.acquire();
            try {
                return searcher.getIndexReader().numDocs();
            } finally {
                searchers.release(searcher);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The vector field of a space's signatures of one length: Lucene fixes a field's length with its first vector, so a
     * record of another length (a hand-written one) gets a field of its own instead of refusing the space's later
     * signatures, or being refused itself.
     */
    private static String field(String space, int length) {
        return VECTOR_PREFIX + space + "/" + length;
    }

    private static boolean finite(float[] v) {
        for (float x : v) {
            if (!Float.isFinite(x)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isZero(float[] v) {
        for (float x : v) {
            if (x != 0f) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() throws IOException {
        searchers.close();
        writer.close();
        directory.close();
    }
}
