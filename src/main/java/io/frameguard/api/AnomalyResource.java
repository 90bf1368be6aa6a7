package io.frameguard.api;

import ai.djl.translate.TranslateException;
import io.frameguard.events.AnomalyEvent;
import io.frameguard.events.FrameRef;
import io.frameguard.events.Incident;
import io.frameguard.events.Picture;
import io.frameguard.events.Recollection;
import io.frameguard.events.Signature;
import io.frameguard.events.Verdict;
import io.frameguard.frames.FrameDecodeException;
import io.frameguard.frames.FrameDecoders;
import io.frameguard.frames.UntrustedText;
import io.frameguard.heatmaps.HeatmapRenderer;
import io.frameguard.inference.ModelRunner;
import io.frameguard.memory.AnomalyMemory;
import io.frameguard.memory.FrameSources;
import io.frameguard.memory.MemoryFollower;
import io.frameguard.memory.VerdictWriter;
import io.frameguard.model.ModelCard;
import io.frameguard.serving.ActiveModel;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * The anomalies of the API, each named by its event id {@code topic/partition/offset}:
 * <ul>
 *   <li>{@code GET /api/anomalies/{topic}/{partition}/{offset}/heatmap.png}: where an anomaly is (an image's error over
 *       its pixels, a sensor frame's over its values), the path an image anomaly event's {@code explanation.heatmap} gives;
 *   <li>{@code GET /api/anomalies?source=&since=&until=&status=&severity=&limit=}: the incidents seen most recently,
 *       with their verdicts and status (unjudged, false-alarm, confirmed, suppressed), and how many match;
 *   <li>{@code GET /api/anomalies/sources}: every source's incidents counted by status;
 *   <li>{@code GET /api/anomalies/labels}: the labels in use;
 *   <li>{@code GET /api/anomalies/history?source=&hours=}: a source's scores and threshold minute by minute;
 *   <li>{@code GET /api/anomalies/families?kind=&limit=}: the families of similar incidents and a 2-D map of them;
 *   <li>{@code GET /api/anomalies/{topic}/{partition}/{offset}/picture}: the anomaly's frame and error map as numbers;
 *   <li>{@code POST /api/anomalies/verdicts} {@code {"eventIds":[...],"verdict":...}}: one verdict on many events
 *       (202 with a {@code Frameguard-Note} header naming those the replica's memory does not hold);
 *   <li>{@code GET /api/anomalies/feed?source=}: server-sent events, one per incident as this replica learns it (new,
 *       grown by a new event, or judged), each the same JSON as a listed one: the live feed;
 *   <li>{@code GET /api/anomalies/{topic}/{partition}/{offset}}: the event's incident and its verdict;
 *   <li>{@code GET /api/anomalies/{topic}/{partition}/{offset}/similar?k=5}: the past anomalies most like it (cosine of
 *       their signatures), nearest first, with what they were;
 *   <li>{@code POST /api/anomalies/{topic}/{partition}/{offset}/verdict}
 *       {@code {"verdict":"false-alarm"|"confirmed","label":"...","note":"..."}}: an operator's verdict, stored on the
 *       verdicts topic (the admin token, as for every write); 202 with a {@code Frameguard-Note} header when the
 *       replica's memory holds no such event (yet);
 *   <li>{@code POST /api/anomalies/search?k=5} with a frame as the body: the remembered incidents most like it.
 * </ul>
 *
 * <p>Everything comes from the anomaly memory that every replica builds from Kafka ({@link MemoryFollower}): one entry
 * per incident (near-duplicate events of a source merged), so every replica answers the same, after restarts too
 * (503 until its memory has read the topics). An event id names its incident: the incident's entry answers for
 * every event it lists.
 */
@Path("/api/anomalies")
@ApiAccess
public class AnomalyResource {

    @Inject
    VerdictEndpoint verdicts;

    @Inject
    MemoryFollower memory;

    @Inject
    ActiveModel model;

    @Inject
    FrameDecoders decoders;

    @Inject
    io.frameguard.config.FrameguardConfig config;

    @GET
    @Path("/{topic}/{partition}/{offset}/heatmap.png")
    @Produces({"image/png", MediaType.APPLICATION_JSON})
    @APIResponse(responseCode = "200", description = "the frame's error map over the frame, as a PNG picture",
            content = @Content(mediaType = "image/png", schema = @Schema(
                    type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.STRING, format = "binary")))
    @APIResponse(responseCode = "default", description = ApiErrors.REFUSED,
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiErrors.Refusal.class)))
    public Response heatmap(@PathParam("topic") String topic, @PathParam("partition") int partition,
            @PathParam("offset") long offset) {
        String id = new FrameRef(topic, partition, offset).id();
        return withPicture(id, (r, picture) -> {
            try {
                return Response.ok(HeatmapRenderer.png(picture, r.event().modelThreshold()), "image/png")
                        .header("X-Frameguard-Incident", r.entry().id())
                        .header("X-Frameguard-Model-Version", r.event().modelVersion())
                        .header("X-Frameguard-Score", r.event().score())
                        .build();
            } catch (IOException e) {
                return error(Response.Status.INTERNAL_SERVER_ERROR, "cannot draw the heatmap: " + e.getMessage());
            }
        });
    }

    /** The body of a verdict. */
    public record VerdictRequest(String verdict, String label, String note) {}

    /** A response header saying what a client may not expect (a verdict on an event the memory does not hold yet). */
    static final String NOTE_HEADER = "Frameguard-Note";

    @POST
    @Path("/{topic}/{partition}/{offset}/verdict")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    @APIResponse(responseCode = "200", description = "the verdict as written on the verdicts topic",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Verdict.class)))
    @APIResponse(responseCode = "202", description = "written, but no event of that id is in this replica's memory yet "
            + "(header Frameguard-Note says why): it applies when the event arrives",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Verdict.class)))
    @APIResponse(responseCode = "default", description = ApiErrors.REFUSED,
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiErrors.Refusal.class)))
    public Response verdict(@PathParam("topic") String topic, @PathParam("partition") int partition,
            @PathParam("offset") long offset, VerdictRequest request) {
        if (request == null) {
            return error(Response.Status.BAD_REQUEST, "body must be {\"verdict\": \"false-alarm\"|\"confirmed\", "
                    + "\"label\": \"...\", \"note\": \"...\"}");
        }
        // Not refused when this replica's memory does not hold the event: one just published may not have reached it yet
        // (a verdict on an id that never was an event teaches nothing). The answer says so: 202 and a note. Refused when
        // the frame does not exist yet: 404.
        String id = new FrameRef(topic, partition, offset).id();
        String problem = VerdictWriter.problem(id, request.verdict(), request.label(), request.note());
        if (problem != null) { // before reading the frame: a wrong body costs nothing
            return error(Response.Status.BAD_REQUEST, problem);
        }
        try {
            AnomalyMemory m = memory.memory().orElse(null);
            Found found = find(m, id, true);
            if (found.frame() != null && found.frame().passing()) {
                return notNow(found.frame());
            }
            if (found.frame() != null && found.frame().ahead()) {
                return notYet(found.frame());
            }
            Verdict written = verdicts.write(id, request.verdict(), request.label(), request.note(), found.source());
            // without a memory here this replica cannot tell whether the event is known
            return m == null || found.incident().isPresent() ? Response.ok(written).build() : Response.accepted(written)
                    .header(NOTE_HEADER, "no anomaly event " + id + " in this replica's memory (" + found.why()
                            + "): the verdict is kept and applies to the event if it arrives").build();
        } catch (IllegalArgumentException e) {
            return error(Response.Status.BAD_REQUEST, e.getMessage());
        } catch (IOException e) {
            return error(Response.Status.SERVICE_UNAVAILABLE, e.getMessage());
        }
    }

    /**
     * An event's incident in this replica's memory ({@code m}, null without one) and the source of its frame: from the
     * incident that lists it, without I/O; else its frame's source read from the frames topic ({@link FrameSources}) and
     * that source's incident whose offsets hold it. A verdict reads the frame in any case (the verdict carries its source
     * to every replica); a lookup only where some incident's offsets hold the id, so that any other id is answered
     * without reading Kafka.
     *
     * @param frame the frame's lookup, null when none was made
     */
    private record Found(Optional<AnomalyMemory.Remembered> incident, FrameSources.Lookup frame) {

        String source() {
            return incident.map(r -> r.entry().source()).orElse(frame == null ? null : frame.source());
        }

        /** Why the memory holds no incident of the event (for a note): the frame's problem, or the memory's. */
        String why() {
            return frame != null && frame.problem() != null ? frame.problem() : "not arrived yet, or forgotten";
        }
    }

    private Found find(AnomalyMemory m, String eventId, boolean forVerdict) {
        Optional<AnomalyMemory.Remembered> listed = m == null ? Optional.empty() : m.get(eventId);
        if (listed.isPresent() || !forVerdict && (m == null || !m.spans(eventId))) {
            return new Found(listed, null);
        }
        FrameSources.Lookup frame = verdicts.sourceOf(eventId);
        return new Found(m == null || frame.source() == null ? Optional.empty() : m.get(eventId, frame.source()), frame);
    }

    /**
     * The answer about an event's incident (listed, or held by its offsets): 404 when the memory holds none, 503 when
     * its frame's source could not be read now.
     */
    private Response withIncident(AnomalyMemory m, String eventId, java.util.function.Function<AnomalyMemory.Remembered, Response> answer) {
        Found found = find(m, eventId, false);
        if (found.incident().isPresent()) {
            return answer.apply(found.incident().get());
        }
        return found.frame() != null && found.frame().passing()
                ? Response.status(Response.Status.SERVICE_UNAVAILABLE).type(MediaType.APPLICATION_JSON).header("Retry-After", "5")
                        .entity(Map.of("error", found.frame().problem() + ": try again")).build()
                : unknown(eventId);
    }

    /** A verdict that cannot be written now: the frame's source could not be read, for a reason that passes. */
    private static Response notNow(FrameSources.Lookup frame) {
        return Response.status(Response.Status.SERVICE_UNAVAILABLE).type(MediaType.APPLICATION_JSON).header("Retry-After", "5")
                .entity(Map.of("error", frame.problem() + ": nothing written, try again")).build();
    }

    /**
     * A verdict on an offset its partition has not reached: refused, or it would judge whatever frame comes to be
     * written there (a mistyped offset clearing a defect not yet seen).
     */
    private static Response notYet(FrameSources.Lookup frame) {
        return error(Response.Status.NOT_FOUND, frame.problem() + ": nothing written");
    }

    private static Response error(Response.Status status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(Map.of("error", message)).build();
    }

    /** Most anomalies a listing or similarity search returns. */
    static final int MAX_RESULTS = 1000;

    /**
     * A remembered incident as the API answers it: its latest event, the incident (id, count, first seen), when it was
     * last seen, the events it lists and the verdict that holds for it.
     */
    public record EventAnswer(AnomalyEvent event, Incident incident, long lastSeen, List<String> members, Verdict verdict,
            String status) {
        static EventAnswer of(AnomalyMemory.Remembered r) {
            return new EventAnswer(r.event(), r.entry().incident(), r.entry().lastSeen(), r.entry().members(), r.verdict(),
                    r.status());
        }
    }

    /**
     * The answer of a search by frame: what the serving model made of the frame, the incidents most like it, and the
     * label its nearest confirmed incidents agree on (as an anomaly event's {@code recognisedAs}; absent when none).
     */
    public record SearchAnswer(String modelVersion, double score, double modelThreshold, List<Recollection.SimilarAnomaly> similar,
            @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
            Recollection.Recognition recognisedAs) {}

    /** The verdicts one bulk request wrote, one per event, in the order asked. */
    public record VerdictsAnswer(List<Verdict> verdicts) {}

    public record SimilarAnswer(String eventId, List<Recollection.SimilarAnomaly> similar) {}

    /** @param matching how many incidents the filters admit (the listing holds the newest {@code limit} of them) */
    public record RecentAnswer(List<EventAnswer> anomalies, int matching) {}

    /** Severities an anomaly event has (ThresholdPolicy.severity). */
    static final List<String> SEVERITIES = List.of("minor", "major", "critical");

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @APIResponse(responseCode = "200", description = "the newest incidents that the filters admit, newest first",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RecentAnswer.class)))
    @APIResponse(responseCode = "default", description = ApiErrors.REFUSED,
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiErrors.Refusal.class)))
    public Response recent(@QueryParam("source") String source, @QueryParam("since") @DefaultValue("0") long since,
            @QueryParam("until") @DefaultValue("0") long until, @QueryParam("status") String status,
            @QueryParam("severity") String severity, @QueryParam("limit") @DefaultValue("100") int limit) {
        if (limit < 1 || limit > MAX_RESULTS) {
            return error(Response.Status.BAD_REQUEST, "limit must be between 1 and " + MAX_RESULTS);
        }
        if (blank(status) != null && !AnomalyMemory.STATUSES.contains(status)) {
            return error(Response.Status.BAD_REQUEST, "status must be one of " + AnomalyMemory.STATUSES);
        }
        if (blank(severity) != null && !SEVERITIES.contains(severity)) {
            return error(Response.Status.BAD_REQUEST, "severity must be one of " + SEVERITIES);
        }
        AnomalyMemory.Query query = new AnomalyMemory.Query(blank(source), since, until, blank(status), blank(severity));
        return withMemory(m -> Response.ok(new RecentAnswer(m.recent(query, limit).stream().map(EventAnswer::of).toList(),
                m.count(query))).build());
    }

    private static String blank(String parameter) {
        return parameter == null || parameter.isBlank() ? null : parameter;
    }

    /** @param incidents every incident held */
    public record SourcesAnswer(int incidents, List<AnomalyMemory.SourceCounts> sources) {}

    /** Every source's incidents counted by status: the console's counts at the top of the feed. */
    @GET
    @Path("/sources")
    @Produces(MediaType.APPLICATION_JSON)
    @APIResponse(responseCode = "200", description = "each source's incidents and verdicts",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SourcesAnswer.class)))
    @APIResponse(responseCode = "default", description = ApiErrors.REFUSED,
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiErrors.Refusal.class)))
    public Response sources() {
        return withMemory(m -> Response.ok(new SourcesAnswer(m.size(), m.sources())).build());
    }

    public record LabelsAnswer(Map<String, Integer> labels) {}

    /** The labels in use, the most used first: what an operator picks from when confirming an anomaly. */
    @GET
    @Path("/labels")
    @Produces(MediaType.APPLICATION_JSON)
    @APIResponse(responseCode = "200", description = "the labels of confirmed incidents, with how many carry each",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = LabelsAnswer.class)))
    @APIResponse(responseCode = "default", description = ApiErrors.REFUSED,
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiErrors.Refusal.class)))
    public Response labels() {
        return withMemory(m -> Response.ok(new LabelsAnswer(m.labels())).build());
    }

    public record HistoryAnswer(String source, List<io.frameguard.events.SourceMinute> minutes) {}

    /**
     * A source's scores and rolling threshold minute by minute over the last {@code hours} (at most the six the memory
     * keeps), oldest first: the console's chart of a source.
     */
    @GET
    @Path("/history")
    @Produces(MediaType.APPLICATION_JSON)
    @APIResponse(responseCode = "200", description = "the source's minutes: frames scored, scores and thresholds",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = HistoryAnswer.class)))
    @APIResponse(responseCode = "default", description = ApiErrors.REFUSED,
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiErrors.Refusal.class)))
    public Response history(@QueryParam("source") String source, @QueryParam("hours") @DefaultValue("6") int hours) {
        if (blank(source) == null) {
            return error(Response.Status.BAD_REQUEST, "source is required");
        }
        int most = AnomalyMemory.HISTORY_MINUTES / 60;
        if (hours < 1 || hours > most) {
            return error(Response.Status.BAD_REQUEST, "hours must be between 1 and " + most);
        }
        long since = System.currentTimeMillis() - hours * 3_600_000L;
        return withMemory(m -> Response.ok(new HistoryAnswer(source, m.history(source, since))).build());
    }

    /** Most incidents a family map places (DBSCAN compares every pair). */
    static final int MAX_MAPPED = 5000;

    /**
     * The families of the newest {@code limit} incidents with signatures of {@code kind} (default: the most common
     * kind): their places on a 2-D map and their clusters ({@link io.frameguard.memory.AnomalyFamilies}).
     */
    @GET
    @Path("/families")
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    @APIResponse(responseCode = "200", description = "the incidents' places on a map and their families",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(
                    implementation = io.frameguard.memory.AnomalyFamilies.FamilyMap.class)))
    @APIResponse(responseCode = "default", description = ApiErrors.REFUSED,
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiErrors.Refusal.class)))
    public Response families(@QueryParam("kind") String kind, @QueryParam("limit") @DefaultValue("2000") int limit) {
        if (limit < 1 || limit > MAX_MAPPED) {
            return error(Response.Status.BAD_REQUEST, "limit must be between 1 and " + MAX_MAPPED);
        }
        return withMemory(m -> {
            double similarity = config.memory().recogniseSimilarity();
            String asked = blank(kind) + "/" + limit + "/" + similarity + "/" + System.identityHashCode(m);
            try {
                return Response.ok(families.get(asked, m.version(), () -> m.families(blank(kind), limit, similarity))).build();
            } catch (FamiliesCache.Busy e) {
                return Response.status(Response.Status.SERVICE_UNAVAILABLE).header("Retry-After", "2").type(MediaType.APPLICATION_JSON)
                        .entity(Map.of("error", e.getMessage())).build();
            }
        });
    }

    /** A family map is computed anew at most this often while the memory changes (and never while it does not). */
    static final java.time.Duration FAMILIES_FRESH = java.time.Duration.ofSeconds(5);

    /**
     * The family map computed last: one computation at a time, its answer reused while the memory has not changed and
     * for {@link #FAMILIES_FRESH} while it does, so that many consoles (or a loop) cannot take the detector's CPU;
     * DBSCAN's work grows with the square of the incidents. While a map is computed, the same question gets the map it
     * had before if there is one, or waits for the new one (at most {@link #WAIT_FOR_COMPUTED}), and any other question
     * is answered {@link Busy} at once: requests asking for other limits in turn would otherwise queue behind each
     * other, each holding one of the server's worker threads, until the routes that need one starve.
     */
    static final class FamiliesCache {
        /** Another question's map is being computed: ask again shortly. */
        static final class Busy extends RuntimeException {
            Busy() {
                super("another family map is being computed; ask again in a few seconds", null, false, false);
            }
        }

        /** The last map computed (one: a loop over many limits gets no more than one core and one map's memory). */
        private io.frameguard.memory.AnomalyFamilies.FamilyMap map;
        private String key;
        private long computedAt;
        private long version;
        /** Longest a request waits for the map of its question that another is computing. */
        static final java.time.Duration WAIT_FOR_COMPUTED = java.time.Duration.ofSeconds(10);
        /** The question being computed and its answer to come; null when none is. */
        private String computing;
        private CompletableFuture<io.frameguard.memory.AnomalyFamilies.FamilyMap> inFlight;

        /**
         * The map for the question {@code asked} of a memory at {@code current} (its {@link AnomalyMemory#version()}):
         * the cached one, the one being computed for it, or one {@code compute} makes now.
         */
        io.frameguard.memory.AnomalyFamilies.FamilyMap get(String asked, long current,
                java.util.function.Supplier<io.frameguard.memory.AnomalyFamilies.FamilyMap> compute) {
            CompletableFuture<io.frameguard.memory.AnomalyFamilies.FamilyMap> answer;
            long now = System.nanoTime();
            synchronized (this) {
                boolean cached = map != null && asked.equals(key);
                if (cached && (current == version || now - computedAt <= FAMILIES_FRESH.toNanos())) {
                    return map;
                }
                if (inFlight != null) {
                    if (cached) {
                        return map; // a little older than fresh: better than another request waiting
                    }
                    if (!asked.equals(computing)) {
                        throw new Busy();
                    }
                    answer = inFlight;
                } else {
                    answer = null;
                    computing = asked;
                    inFlight = new CompletableFuture<>();
                }
            }
            if (answer != null) {
                try {
                    return answer.get(WAIT_FOR_COMPUTED.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    throw new Busy(); // a worker thread is not held for longer than this
                } catch (java.util.concurrent.ExecutionException e) {
                    throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new Busy();
                }
            }
            try {
                io.frameguard.memory.AnomalyFamilies.FamilyMap computed = compute.get();
                synchronized (this) {
                    map = computed;
                    key = asked;
                    computedAt = now;
                    version = current;
                    inFlight.complete(computed);
                    inFlight = null;
                    computing = null;
                }
                return computed;
            } catch (RuntimeException | Error e) {
                synchronized (this) {
                    inFlight.completeExceptionally(e);
                    inFlight = null;
                    computing = null;
                }
                throw e;
            }
        }
    }

    private static final FamiliesCache families = new FamiliesCache();

    /**
     * An anomaly's picture as numbers, for the console to draw: values and errors cell by cell (a window's: step after
     * step, {@code windowChannels} values each), the model's reconstruction of it laid out alike (null when the model
     * gave none), with its channels' names (the card's, while the model that scored it serves; else where the event
     * names them). The picture is the incident's latest frame: {@code eventId} is that frame's event, whichever of the
     * incident's events was asked for.
     */
    public record PictureAnswer(String eventId, int width, int height, int channels, Integer windowChannels,
            float[] values, float[] reconstruction, float[] errors, List<String> channelNames,
            io.frameguard.events.ImageRegion region) {}

    @GET
    @Path("/{topic}/{partition}/{offset}/picture")
    @Produces(MediaType.APPLICATION_JSON)
    @APIResponse(responseCode = "200", description = "the incident's frame, its reconstruction and its error map, as numbers",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = PictureAnswer.class)))
    @APIResponse(responseCode = "default", description = ApiErrors.REFUSED,
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiErrors.Refusal.class)))
    public Response picture(@PathParam("topic") String topic, @PathParam("partition") int partition,
            @PathParam("offset") long offset) {
        String id = new FrameRef(topic, partition, offset).id();
        return withPicture(id, (r, p) -> {
            float[] errors = p.errorValues();
            int named = p.windowChannels() != null ? p.windowChannels() : p.height() == 1 ? p.width() : 0;
            String[] names = new String[named];
            // the channels' names on the card of the model that scored it, when it still serves (the card of another
            // version may name its channels otherwise); else those its explanation names
            ModelRunner serving = model.current();
            ModelCard card = serving != null && serving.card().version().equals(r.event().modelVersion()) ? serving.card() : null;
            for (int c = 0; c < named; c++) {
                names[c] = card != null && card.input().image() == null ? card.input().channelName(c) : "ch" + c;
            }
            AnomalyEvent.Explanation x = r.event().explanation();
            if (x != null && x.topChannels() != null) {
                for (io.frameguard.events.ChannelError ce : x.topChannels()) {
                    if (ce.index() >= 0 && ce.index() < named && ce.name() != null) {
                        names[ce.index()] = ce.name();
                    }
                }
            }
            // an image's region of largest error on the picture's grid, as its heatmap outlines it
            io.frameguard.events.ImageRegion region = p.height() > 1
                    ? io.frameguard.inference.ImageRegions.find(errors, 0, p.width(), p.height()) : null;
            return Response.ok(new PictureAnswer(r.event().eventId(), p.width(), p.height(), p.channels(), p.windowChannels(),
                    p.frameValues(), p.reconstructionValues(), errors, List.of(names), region)).build();
        });
    }

    /** The body of a verdict on many events at once (a family). */
    public record VerdictsRequest(List<String> eventIds, String verdict, String label, String note) {}

    /** Most events one bulk verdict names. */
    static final int MAX_BULK_VERDICTS = 1000;
    /** Most unknown events a bulk verdict's note names (a header line stays short). */
    static final int NOTED_UNKNOWN = 10;

    /**
     * One verdict on many events ({@code TOPIC/PARTITION/OFFSET} each): all are checked before any is written; each is
     * a verdict of its own on the verdicts topic.
     */
    @POST
    @Path("/verdicts")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    @APIResponse(responseCode = "200", description = "the verdicts as written, one per event",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = VerdictsAnswer.class)))
    @APIResponse(responseCode = "202", description = "written, but some events are not in this replica's memory yet "
            + "(header Frameguard-Note names them)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = VerdictsAnswer.class)))
    @APIResponse(responseCode = "default", description = ApiErrors.REFUSED,
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiErrors.Refusal.class)))
    public Response verdicts(VerdictsRequest request) {
        if (request == null || request.eventIds() == null || request.eventIds().isEmpty()
                || request.eventIds().size() > MAX_BULK_VERDICTS) {
            return error(Response.Status.BAD_REQUEST, "body must be {\"eventIds\": [1 to " + MAX_BULK_VERDICTS
                    + " ids], \"verdict\": \"false-alarm\"|\"confirmed\", \"label\": \"...\", \"note\": \"...\"}");
        }
        for (String id : request.eventIds()) {
            String problem = VerdictWriter.problem(id, request.verdict(), request.label(), request.note());
            if (problem != null) {
                return error(Response.Status.BAD_REQUEST, problem + " (" + UntrustedText.shown(String.valueOf(id), 300) + ")");
            }
        }
        List<Verdict> written = new java.util.ArrayList<>();
        try {
            AnomalyMemory m = memory.memory().orElse(null);
            Map<String, Found> found = new java.util.LinkedHashMap<>();
            for (String id : request.eventIds()) { // every frame's source first: one that cannot be read now writes nothing
                Found f = found.computeIfAbsent(id, i -> find(m, i, true));
                if (f.frame() != null && f.frame().passing()) {
                    return notNow(f.frame());
                }
                if (f.frame() != null && f.frame().ahead()) {
                    return notYet(f.frame());
                }
            }
            List<String> unknown = new java.util.ArrayList<>();
            for (String id : request.eventIds()) {
                Found f = found.get(id);
                written.add(verdicts.write(id, request.verdict(), request.label(), request.note(), f.source()));
                if (m != null && f.incident().isEmpty() && !unknown.contains(id)) {
                    // as for one verdict: the events this replica's memory does not hold are said, the verdicts kept for them
                    unknown.add(id);
                }
            }
            return unknown.isEmpty() ? Response.ok(new VerdictsAnswer(written)).build()
                    : Response.accepted(new VerdictsAnswer(written)).header(NOTE_HEADER, unknown.size() + " of the events "
                            + "are not in this replica's memory (not arrived yet, or forgotten), their verdicts kept to apply "
                            + "if they arrive: " + String.join(", ", unknown.subList(0, Math.min(NOTED_UNKNOWN, unknown.size())))
                            + (unknown.size() > NOTED_UNKNOWN ? ", ..." : "")).build();
        } catch (IllegalArgumentException e) {
            return error(Response.Status.BAD_REQUEST, e.getMessage());
        } catch (IOException e) {
            return error(Response.Status.SERVICE_UNAVAILABLE, e.getMessage() + " (" + written.size() + " of "
                    + request.eventIds().size() + " written)");
        }
    }

    /** The name of the feed's events (its keep-alive comments have none). */
    static final String FEED_EVENT = "incident";

    @GET
    @Path("/feed")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public Multi<OutboundSseEvent> feed(@QueryParam("source") String source, @Context Sse sse) {
        if (memory.memory().isEmpty()) { // off, not caught up or stopped: as every memory answer, 503 with the reason
            throw new WebApplicationException(error(Response.Status.SERVICE_UNAVAILABLE, memory.problem()));
        }
        java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();
        Multi<OutboundSseEvent> incidents = memory.changes(source)
                .map(r -> sse.newEventBuilder().name(FEED_EVENT).data(json(EventAnswer.of(r))).build())
                .onTermination().invoke(() -> ended.set(true));
        // a comment line while nothing arrives: an idle response is what proxies close
        Multi<OutboundSseEvent> keepAlive = Multi.createFrom().ticks().every(config.api().feedHeartbeat())
                .select().first(tick -> !ended.get())
                .map(tick -> sse.newEventBuilder().comment("keep-alive").build());
        return Multi.createBy().merging().streams(incidents, keepAlive);
    }

    private static String json(Object answer) {
        try {
            return io.frameguard.events.JsonSerde.MAPPER.writeValueAsString(answer);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write an incident as JSON", e);
        }
    }

    @GET
    @Path("/{topic}/{partition}/{offset}")
    @Produces(MediaType.APPLICATION_JSON)
    @APIResponse(responseCode = "200", description = "the event, its incident and the incident's verdict",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = EventAnswer.class)))
    @APIResponse(responseCode = "default", description = ApiErrors.REFUSED,
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiErrors.Refusal.class)))
    public Response event(@PathParam("topic") String topic, @PathParam("partition") int partition, @PathParam("offset") long offset) {
        String id = new FrameRef(topic, partition, offset).id();
        return withMemory(m -> withIncident(m, id, r -> Response.ok(EventAnswer.of(r)).build()));
    }

    @GET
    @Path("/{topic}/{partition}/{offset}/similar")
    @Produces(MediaType.APPLICATION_JSON)
    @APIResponse(responseCode = "200", description = "the incidents most like the event's, nearest first",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SimilarAnswer.class)))
    @APIResponse(responseCode = "default", description = ApiErrors.REFUSED,
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiErrors.Refusal.class)))
    public Response similar(@PathParam("topic") String topic, @PathParam("partition") int partition,
            @PathParam("offset") long offset, @QueryParam("k") @DefaultValue("5") int k) {
        if (k < 1 || k > MAX_RESULTS) {
            return error(Response.Status.BAD_REQUEST, "k must be between 1 and " + MAX_RESULTS);
        }
        String id = new FrameRef(topic, partition, offset).id();
        return withMemory(m -> withIncident(m, id, r -> Response.ok(new SimilarAnswer(id, m.similar(r, k))).build()));
    }

    /**
     * "Has anything like this been seen?": the frame in the body (any content type the scorer reads, as its
     * {@code Content-Type} says) is scored by the serving model, and the {@code k} remembered incidents nearest to its
     * signature are returned, nearest first.
     */
    @POST
    @Path("/search")
    @ReadsOnly
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    @APIResponse(responseCode = "200", description = "the serving model's score of the frame, the incidents nearest it and what it is recognised as",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SearchAnswer.class)))
    @APIResponse(responseCode = "default", description = ApiErrors.REFUSED,
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiErrors.Refusal.class)))
    public Response search(@QueryParam("k") @DefaultValue("5") int k, @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            byte[] frame) {
        if (k < 1 || k > MAX_RESULTS) {
            return error(Response.Status.BAD_REQUEST, "k must be between 1 and " + MAX_RESULTS);
        }
        try {
            return searches.run(() -> searchMemory(k, contentType, frame));
        } catch (SearchSlots.Busy e) {
            return Response.status(Response.Status.SERVICE_UNAVAILABLE).header("Retry-After", "1").type(MediaType.APPLICATION_JSON)
                    .entity(Map.of("error", e.getMessage())).build();
        }
    }

    private Response searchMemory(int k, String contentType, byte[] frame) {
        return withMemory(m -> {
            ModelRunner runner = model.current();
            if (runner == null) {
                return error(Response.Status.SERVICE_UNAVAILABLE, "no model is serving yet");
            }
            ModelCard card = runner.card();
            if (card.signature() == null) {
                return error(Response.Status.CONFLICT, "the serving model " + card.version()
                        + " computes no signatures (trained before them): retrain it to search by frame");
            }
            float[] values = new float[card.input().dim()];
            Headers headers = new RecordHeaders();
            if (contentType != null) {
                headers.add(FrameDecoders.CONTENT_TYPE_HEADER, contentType.getBytes(StandardCharsets.UTF_8));
            }
            try {
                decoders.decode(SEARCH_KEY, frame, headers, values, 0, card.input().shape());
                ActiveModel.Scored scored = model.scoreOne(values, card);
                Signature sig = new Signature(card.signature().kind(), scored.frame().signature());
                return Response.ok(new SearchAnswer(card.version(), scored.frame().score(), card.threshold().value(),
                        m.nearest(sig, k), m.recognise(sig, config.memory().similarK(), config.memory().recogniseSimilarity())))
                        .build();
            } catch (FrameDecodeException e) {
                return error(Response.Status.BAD_REQUEST, e.reason() + ": " + e.getMessage());
            } catch (IllegalStateException e) {
                return error(Response.Status.SERVICE_UNAVAILABLE, e.getMessage());
            } catch (TranslateException e) {
                return error(Response.Status.INTERNAL_SERVER_ERROR, "the model failed on the frame: " + e.getMessage());
            }
        });
    }

    /**
     * The searches that run at once. Each runs the serving model on a worker thread, beside the scorer's own calls:
     * unbounded, one reader sending searches in parallel would hold every worker thread and take the cores the scorer
     * needs. A search past the bound waits at most {@link #WAIT} for a slot, then is turned away (503, Retry-After); past
     * {@link #MAX_WAITING} waiting it is turned away at once, since each waits on a worker thread of its own, which
     * the rest of the API (verdicts, models, the feed's listings) needs too.
     */
    static final class SearchSlots {
        /** Searches at once per replica: a frame's predictor call is a millisecond or so, so two keep up with a person. */
        static final int MAX_CONCURRENT = 2;
        /** Searches that may wait for a slot: a few people searching at the same moment. */
        static final int MAX_WAITING = 8;
        /** Longest a search waits for a slot. */
        static final java.time.Duration WAIT = java.time.Duration.ofSeconds(2);

        /** Every slot stayed taken for the whole wait. */
        static final class Busy extends RuntimeException {
            Busy() {
                super("other searches are running; ask again in a second", null, false, false);
            }
        }

        private final java.util.concurrent.Semaphore slots;
        /** Places to wait for a slot in (a search in a slot has left its place). */
        private final java.util.concurrent.Semaphore places;
        private final java.time.Duration wait;

        SearchSlots(int concurrent, int waiting, java.time.Duration wait) {
            this.slots = new java.util.concurrent.Semaphore(concurrent);
            this.places = new java.util.concurrent.Semaphore(waiting);
            this.wait = wait;
        }

        /** Searches waiting for a slot now (an estimate, as the semaphore's queue gives it). */
        int waiting() {
            return slots.getQueueLength();
        }

        /**
         * {@code search}'s answer, run in a slot; {@link Busy} when none came free within the wait, or at once when all the
         * places to wait in are taken.
         */
        Response run(java.util.function.Supplier<Response> search) {
            if (!slots.tryAcquire()) {
                if (!places.tryAcquire()) {
                    throw new Busy();
                }
                try {
                    if (!slots.tryAcquire(wait.toNanos(), TimeUnit.NANOSECONDS)) {
                        throw new Busy();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new Busy();
                } finally {
                    places.release();
                }
            }
            try {
                return search.get();
            } finally {
                slots.release();
            }
        }
    }

    private static final SearchSlots searches = new SearchSlots(SearchSlots.MAX_CONCURRENT, SearchSlots.MAX_WAITING, SearchSlots.WAIT);

    /** The source id a searched frame is decoded under (decoders check that a frame names one). */
    private static final byte[] SEARCH_KEY = "search".getBytes(StandardCharsets.UTF_8);

    /** The answer about an anomaly's picture: 404 when the anomaly is not remembered or has no picture to draw. */
    private Response withPicture(String id, java.util.function.BiFunction<AnomalyMemory.Remembered, Picture, Response> answer) {
        return withMemory(m -> withIncident(m, id, r -> {
            Picture p = r.entry().picture();
            return p == null || !p.wellFormed() ? error(Response.Status.NOT_FOUND, "the anomaly " + id + " has no picture to draw")
                    : answer.apply(r, p);
        }));
    }

    private Response withMemory(java.util.function.Function<AnomalyMemory, Response> answer) {
        return memory.memory().map(answer).orElseGet(() -> error(Response.Status.SERVICE_UNAVAILABLE, memory.problem()));
    }

    private static Response unknown(String eventId) {
        return error(Response.Status.NOT_FOUND, "no anomaly event " + UntrustedText.shown(eventId, 300) + " in the memory "
                + "(not an anomaly, or its incident is older than frameguard.memory.max-age or was forgotten)");
    }
}
