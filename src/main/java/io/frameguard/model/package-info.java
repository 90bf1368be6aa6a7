/**
 * The model as an artifact: its directory layout and checksum ({@code ModelArtifact}), its card
 * ({@code ModelCard}: input, preprocessing, architecture, threshold, validation distribution, champion/challenger
 * comparison, architecture selection), its validation scores' distribution ({@code ValidationDistribution}), how its
 * error maps become scores ({@code ScoreAggregation}), what a graph may contain ({@code GraphAllowList}), signing and
 * verifying ({@code ModelTrust}), what is refused ({@code InvalidModelException}), its zip form
 * ({@code ArtifactArchive}) and the Kafka-backed registry ({@code ModelRegistry}), whose record keys and layout stay
 * private to it.
 *
 * <p>May depend on: {@code frames}.
 */
package io.frameguard.model;
