package io.frameguard.api;

import io.frameguard.config.FrameguardConfig;
import io.frameguard.frames.UntrustedText;
import io.frameguard.inference.ModelRunner;
import io.frameguard.model.ModelCard;
import io.frameguard.model.ModelRegistry;
import io.frameguard.serving.ActiveModel;
import io.frameguard.serving.RegistryWatcher;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.common.annotation.Identifier;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.logging.Logger;

/**
 * The model management API: what the Kafka model registry holds and which version this replica serves, and
 * activation and rollback (which every replica following the registry then serves). The same operations as
 * {@code frameguard models}. Access is guarded by {@link ApiAccessFilter}.
 *
 * <ul>
 *   <li>{@code GET /api/models}: per model name, its published versions (card summaries) and its control record;
 *       plus the version this replica serves;
 *   <li>{@code POST /api/models/{name}/activate} {@code {"version": "...", "reason": "..."}};
 *   <li>{@code POST /api/models/{name}/rollback} {@code {"reason": "..."}}.
 * </ul>
 */
@Path("/api/models")
@ApiAccess
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class ModelResource {

    private static final Logger LOG = Logger.getLogger(ModelResource.class);

    @Inject
    FrameguardConfig config;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @Inject
    ActiveModel model;

    @Inject
    RegistryWatcher watcher;

    /**
     * One published version, as listed: what it reads, how it was built, its threshold, and (when a trainer made it) how
     * it compared with the champion of the day, or how its architecture was chosen.
     */
    public record VersionSummary(String version, String createdAt, String kind, int dim, double threshold,
            double validationLoss, long trainFrames, String architecture, ModelCard.Comparison comparison,
            ModelCard.Selection selection) {
        static VersionSummary of(ModelCard c) {
            return new VersionSummary(c.version(), c.createdAt(), c.input().kind(), c.input().dim(), c.threshold().value(),
                    c.training() != null ? c.training().validationLoss() : Double.NaN,
                    c.training() != null ? c.training().trainFrames() : 0,
                    c.architecture() == null ? null : c.architecture().kind()
                            + (c.architecture().activation() == null ? "" : " " + c.architecture().activation()),
                    c.comparison(), c.selection());
        }
    }

    public record ModelEntry(String name, ModelRegistry.Activation active, List<VersionSummary> versions) {}

    public record Listing(String registryTopic, String serving, List<ModelEntry> models) {}

    public record ActivateRequest(String version, String reason) {}

    public record RollbackRequest(String reason) {}

    @GET
    @APIResponse(responseCode = "200", description = "the registry's models, their versions and which is active",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Listing.class)))
    @APIResponse(responseCode = "default", description = ApiErrors.REFUSED,
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiErrors.Refusal.class)))
    public Response list() {
        if (!config.registry().enabled()) {
            return registryOff();
        }
        // from the watcher's copy of the registry, not a read of the topic per call (which many calls at once
        // would multiply): every replica follows the same topic, so every replica lists the same
        Optional<ModelRegistry.Snapshot> followed = watcher.snapshot();
        if (followed.isEmpty()) {
            return error(Response.Status.SERVICE_UNAVAILABLE, watcher.problem() != null ? watcher.problem()
                    : "the model registry is still being read; try again in a moment");
        }
        ModelRegistry.Snapshot s = followed.get();
        List<ModelEntry> models = s.cards().entrySet().stream()
                .map(e -> new ModelEntry(e.getKey(), s.active().get(e.getKey()),
                        e.getValue().values().stream().map(VersionSummary::of).toList()))
                .toList();
        ModelRunner serving = model.current();
        return Response.ok(new Listing(config.registry().topic(), serving == null ? null : serving.card().version(), models))
                .build();
    }

    @POST
    @Path("/{name}/activate")
    @Consumes(MediaType.APPLICATION_JSON)
    @APIResponse(responseCode = "200", description = "the new control record: the version now active",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = io.frameguard.model.ModelRegistry.Activation.class)))
    @APIResponse(responseCode = "default", description = ApiErrors.REFUSED,
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiErrors.Refusal.class)))
    public Response activate(@PathParam("name") String name, ActivateRequest request) {
        if (request == null || request.version() == null) {
            return error(Response.Status.BAD_REQUEST, "body must be {\"version\": \"...\", \"reason\": \"...\"}");
        }
        return change(name, "activated", r -> r.activate(name, request.version(), reason(request.reason(), "activated")));
    }

    @POST
    @Path("/{name}/rollback")
    @Consumes(MediaType.APPLICATION_JSON)
    @APIResponse(responseCode = "200", description = "the new control record: the version now active",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = io.frameguard.model.ModelRegistry.Activation.class)))
    @APIResponse(responseCode = "default", description = ApiErrors.REFUSED,
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiErrors.Refusal.class)))
    public Response rollback(@PathParam("name") String name, RollbackRequest request) {
        return change(name, "rolled back to",
                r -> r.rollback(name, reason(request == null ? null : request.reason(), "rolled back")));
    }

    /** A write to the registry's control record. */
    private interface ControlChange {
        ModelRegistry.Activation apply(ModelRegistry registry) throws IOException;
    }

    /** Runs a control change and answers with the new control record, or why not (400, 404, 409, 503). */
    private Response change(String name, String what, ControlChange change) {
        if (!config.registry().enabled()) {
            return registryOff();
        }
        try (ModelRegistry registry = open()) {
            ModelRegistry.Activation a = change.apply(registry);
            LOG.infof("model %s %s %s through the management API (%s)", name, what, a.version(),
                    UntrustedText.shown(a.reason(), 200));
            return Response.ok(a).build();
        } catch (IllegalArgumentException e) {
            return error(Response.Status.BAD_REQUEST, e.getMessage());
        } catch (IOException e) {
            return conflictOrUnavailable(e);
        }
    }

    private ModelRegistry open() {
        // the service's verification key: a version it would refuse to serve is refused activation
        return new ModelRegistry(new LinkedHashMap<>(kafkaConfig), config.registry().topic(), model.trust());
    }

    private static String reason(String given, String what) {
        return given == null || given.isBlank() ? what + " through the management API" : given;
    }

    private static Response registryOff() {
        return error(Response.Status.NOT_FOUND, "this service does not follow a model registry (frameguard.registry.enabled=false)");
    }

    /** Refusals by the registry (unknown version, nothing to roll back to) are conflicts; Kafka trouble is 503. */
    private static Response conflictOrUnavailable(IOException e) {
        return e instanceof ModelRegistry.RefusedException ? error(Response.Status.CONFLICT, e.getMessage()) : unavailable(e);
    }

    private static Response unavailable(IOException e) {
        return error(Response.Status.SERVICE_UNAVAILABLE, e.getMessage());
    }

    private static Response error(Response.Status status, String message) {
        return Response.status(status).entity(Map.of("error", message)).build();
    }
}
