/**
 * The anomaly memory: past anomalies searchable by what they look like. {@code MemoryIndex} is one replica's
 * in-memory vector index (Lucene's HNSW graph, cosine similarity) over the signatures of past anomalies; every
 * replica builds its own from the memory topic, which is the shared, durable part. {@code AnomalyMemory} holds the
 * incidents and operators' verdicts ({@code VerdictWriter} writes them; {@code FrameSources} reads the source of an
 * event's frame, by which an event a long incident does not list is found); {@code MemoryFollower} keeps it current;
 * {@code AnomalyFamilies} groups the incidents' signatures into families and maps them.
 *
 * <p>May depend on: {@code events}, {@code detection} (the question it answers), {@code config}, {@code frames}
 * (shown text).
 */
package io.frameguard.memory;
