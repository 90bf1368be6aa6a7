package io.frameguard.api;

import io.frameguard.events.FrameRef;
import io.frameguard.heatmaps.HeatmapRenderer;
import io.frameguard.heatmaps.HeatmapStore;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.util.Map;

/**
 * Where an image anomaly is: {@code GET /api/anomalies/{topic}/{partition}/{offset}/heatmap.png}, the path an
 * anomaly event's {@code explanation.heatmap} gives (its {@code eventId} is {@code topic/partition/offset}).
 *
 * <p>Heatmaps live in the memory of the scorer that scored the frame ({@code frameguard.heatmaps.max-bytes},
 * oldest dropped first): a 404 says the frame is not, or no longer, kept on this instance.
 */
@Path("/api/anomalies")
@ApiAccess
public class AnomalyResource {

    @Inject
    HeatmapStore heatmaps;

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
}
