package io.frameguard.api;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code /api/schemas}: the JSON Schemas of the records on frameguard's topics (the frames' JSON form, scores,
 * anomalies, drift, the anomaly memory, verdicts, the minute history), as published in the repository
 * (src/main/resources/schemas), for producers and consumers to check their records against. Read from the
 * application once, at start.
 */
@Path("/api/schemas")
@ApiAccess
@Produces(MediaType.APPLICATION_JSON)
public class SchemaResource {

    /** The media type of a JSON Schema document. */
    static final String SCHEMA_JSON = "application/schema+json";
    /** Every published schema: its name, and the topic (by its setting) whose records it describes. */
    static final Map<String, String> TOPICS = new TreeMap<>(Map.of(
            "frame", "frameguard.topics.frames (content-type application/json)",
            "score", "frameguard.topics.scores",
            "anomaly", "frameguard.topics.anomalies",
            "drift", "frameguard.topics.drift",
            "memory", "frameguard.topics.memory",
            "verdict", "frameguard.topics.verdicts",
            "history", "frameguard.topics.history"));
    private static final Map<String, byte[]> SCHEMAS = load();

    /** One published schema: its name, where it applies, where to get it. */
    public record SchemaLink(String name, String topic, String path) {}

    @GET
    public List<SchemaLink> list() {
        return TOPICS.entrySet().stream().map(e -> new SchemaLink(e.getKey(), e.getValue(), "/api/schemas/" + e.getKey())).toList();
    }

    @GET
    @Path("/{name}")
    @Produces(SCHEMA_JSON)
    public Response schema(@PathParam("name") String name) {
        byte[] schema = SCHEMAS.get(name);
        if (schema == null) {
            return Response.status(Response.Status.NOT_FOUND).type(MediaType.APPLICATION_JSON)
                    .entity(Map.of("error", "no schema named \"" + io.frameguard.frames.UntrustedText.shown(name, 100) + "\"; known: " + TOPICS.keySet()))
                    .build();
        }
        return Response.ok(schema, SCHEMA_JSON).build();
    }

    private static Map<String, byte[]> load() {
        Map<String, byte[]> schemas = new TreeMap<>();
        for (String name : TOPICS.keySet()) {
            String resource = "/schemas/" + name + ".schema.json";
            try (InputStream in = SchemaResource.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("the application lacks " + resource);
                }
                schemas.put(name, in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return Map.copyOf(schemas);
    }
}
