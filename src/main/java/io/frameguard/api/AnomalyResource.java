package io.frameguard.api;

import io.frameguard.events.AnomalyEvent;
import io.frameguard.events.FrameRef;
import io.frameguard.events.Recollection;
import io.frameguard.events.Verdict;
import io.frameguard.frames.UntrustedText;
import io.frameguard.heatmaps.HeatmapRenderer;
import io.frameguard.heatmaps.HeatmapStore;
import io.frameguard.memory.AnomalyMemory;
import io.frameguard.memory.MemoryFollower;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The anomalies of the API, each named by its event id {@code topic/partition/offset}:
 * <ul>
 *   <li>{@code GET /api/anomalies/{topic}/{partition}/{offset}/heatmap.png}: where an image anomaly is, the path an
 *       anomaly event's {@code explanation.heatmap} gives;
 *   <li>{@code GET /api/anomalies?source=&since=&limit=}: the newest remembered anomalies with their verdicts;
 *   <li>{@code GET /api/anomalies/{topic}/{partition}/{offset}}: one event and its verdict;
 *   <li>{@code GET /api/anomalies/{topic}/{partition}/{offset}/similar?k=5}: the past anomalies most like it (cosine of
 *       their signatures), nearest first, with what they were;
 *   <li>{@code POST /api/anomalies/{topic}/{partition}/{offset}/verdict}
 *       {@code {"verdict":"false-alarm"|"confirmed","label":"...","note":"..."}}: an operator's verdict, stored on the
 *       verdicts topic (the admin token, as for every write).
 * </ul>
 *
 * <p>The events, verdicts and similar anomalies come from the anomaly memory that every replica builds from Kafka
 * ({@link MemoryFollower}), so every replica answers the same (503 until its memory has read the topics). Heatmaps live
 * in the memory of the scorer that scored the frame ({@code frameguard.heatmaps.max-bytes},
 * oldest dropped first): a 404 says the frame is not, or no longer, kept on this instance.
 */
@Path("/api/anomalies")
@ApiAccess
public class AnomalyResource {

    @Inject
    HeatmapStore heatmaps;

    @Inject
    VerdictEndpoint verdicts;

    @Inject
    MemoryFollower memory;

    @GET
    @Path("/{topic}/{partition}/{offset}/heatmap.png")
    @Produces({"image/png", MediaType.APPLICATION_JSON})
    public Response heatmap(@PathParam("topic") String topic, @PathParam("partition") int partition,
            @PathParam("offset") long offset) throws IOException {
        FrameRef frame = new FrameRef(topic, partition, offset);
        var heatmap = heatmaps.get(frame);
        if (heatmap.isEmpty()) {
            return Response.status(Response.Status.NOT_FOUND).type(MediaType.APPLICATION_JSON)
                    .entity(Map.of("error", "no heatmap kept for frame " + frame.id()
                            + " on this instance (not an image anomaly candidate, evicted, or scored by another replica)"))
                    .build();
        }
        return Response.ok(HeatmapRenderer.png(heatmap.get()), "image/png")
                .header("X-Frameguard-Model-Version", heatmap.get().modelVersion())
                .header("X-Frameguard-Score", heatmap.get().score())
                .build();
    }

    /** The body of a verdict. */
    public record VerdictRequest(String verdict, String label, String note) {}

    @POST
    @Path("/{topic}/{partition}/{offset}/verdict")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public Response verdict(@PathParam("topic") String topic, @PathParam("partition") int partition,
            @PathParam("offset") long offset, VerdictRequest request) {
        if (request == null) {
            return error(Response.Status.BAD_REQUEST, "body must be {\"verdict\": \"false-alarm\"|\"confirmed\", "
                    + "\"label\": \"...\", \"note\": \"...\"}");
        }
        try {
            return Response.ok(verdicts.write(new FrameRef(topic, partition, offset).id(), request.verdict(), request.label(),
                    request.note())).build();
        } catch (IllegalArgumentException e) {
            return error(Response.Status.BAD_REQUEST, e.getMessage());
        } catch (IOException e) {
            return error(Response.Status.SERVICE_UNAVAILABLE, e.getMessage());
        }
    }

    private static Response error(Response.Status status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(Map.of("error", message)).build();
    }

    /** Most anomalies a listing or similarity search returns. */
    static final int MAX_RESULTS = 1000;

    /** A remembered event and its verdict, as the API answers it. */
    public record EventAnswer(AnomalyEvent event, Verdict verdict) {}

    public record SimilarAnswer(String eventId, List<Recollection.SimilarAnomaly> similar) {}

    public record RecentAnswer(List<EventAnswer> anomalies) {}

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response recent(@QueryParam("source") String source, @QueryParam("since") @DefaultValue("0") long since,
            @QueryParam("limit") @DefaultValue("100") int limit) {
        if (limit < 1 || limit > MAX_RESULTS) {
            return error(Response.Status.BAD_REQUEST, "limit must be between 1 and " + MAX_RESULTS);
        }
        return withMemory(m -> Response.ok(new RecentAnswer(m.recent(java.util.Optional.ofNullable(source), since, limit)
                .stream().map(r -> new EventAnswer(r.event(), r.verdict())).toList())).build());
    }

    @GET
    @Path("/{topic}/{partition}/{offset}")
    @Produces(MediaType.APPLICATION_JSON)
    public Response event(@PathParam("topic") String topic, @PathParam("partition") int partition, @PathParam("offset") long offset) {
        String id = new FrameRef(topic, partition, offset).id();
        return withMemory(m -> m.get(id).map(r -> Response.ok(new EventAnswer(r.event(), r.verdict())).build())
                .orElseGet(() -> unknown(id)));
    }

    @GET
    @Path("/{topic}/{partition}/{offset}/similar")
    @Produces(MediaType.APPLICATION_JSON)
    public Response similar(@PathParam("topic") String topic, @PathParam("partition") int partition,
            @PathParam("offset") long offset, @QueryParam("k") @DefaultValue("5") int k) {
        if (k < 1 || k > MAX_RESULTS) {
            return error(Response.Status.BAD_REQUEST, "k must be between 1 and " + MAX_RESULTS);
        }
        String id = new FrameRef(topic, partition, offset).id();
        return withMemory(m -> m.similar(id, k).map(s -> Response.ok(new SimilarAnswer(id, s)).build())
                .orElseGet(() -> unknown(id)));
    }

    private Response withMemory(java.util.function.Function<AnomalyMemory, Response> answer) {
        return memory.memory().map(answer).orElseGet(() -> error(Response.Status.SERVICE_UNAVAILABLE, memory.problem()));
    }

    private static Response unknown(String eventId) {
        return error(Response.Status.NOT_FOUND, "no anomaly event " + UntrustedText.shown(eventId, 300)
                + " in the memory (not an anomaly, older than frameguard.memory.max-age, or forgotten)");
    }
}
