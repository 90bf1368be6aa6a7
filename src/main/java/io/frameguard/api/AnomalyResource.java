package io.frameguard.api;

import io.frameguard.events.FrameRef;
import io.frameguard.heatmaps.HeatmapRenderer;
import io.frameguard.heatmaps.HeatmapStore;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.util.Map;

/**
 * The anomalies of the API, each named by its event id {@code topic/partition/offset}:
 * <ul>
 *   <li>{@code GET /api/anomalies/{topic}/{partition}/{offset}/heatmap.png}: where an image anomaly is, the path an
 *       anomaly event's {@code explanation.heatmap} gives;
 *   <li>{@code POST /api/anomalies/{topic}/{partition}/{offset}/verdict}
 *       {@code {"verdict":"false-alarm"|"confirmed","label":"...","note":"..."}}: an operator's verdict, stored on the
 *       verdicts topic (the admin token, as for every write).
 * </ul>
 *
 * <p>Heatmaps live in the memory of the scorer that scored the frame ({@code frameguard.heatmaps.max-bytes},
 * oldest dropped first): a 404 says the frame is not, or no longer, kept on this instance.
 */
@Path("/api/anomalies")
@ApiAccess
public class AnomalyResource {

    @Inject
    HeatmapStore heatmaps;

    @Inject
    VerdictEndpoint verdicts;

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
}
