package io.frameguard.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.frameguard.frames.UntrustedText;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The API's refusals that the framework makes before a route runs, answered as the routes answer theirs: JSON
 * {@code {"error": "..."}} that says what to send. Without these a body that is not JSON got 400, and one without its
 * {@code Content-Type} 415, with an empty body.
 */
public class ApiErrors {

    /** What every refusal answers, the framework's and the routes' alike (the API document's {@code default} response). */
    public record Refusal(String error) {}

    /** The API document's description of a refusal. */
    static final String REFUSED = "refused, with what to do instead: 400 (a request to send otherwise), 401 (no token or "
            + "another), 403 (a read token writing), 404 (no such event or frame, or no registry followed), 409 (the registry "
            + "or the serving model cannot: no such version, no signature), 415 (a body of another type), 500 (the model "
            + "failed on the frame, or a heatmap could not be drawn), 503 (not ready yet, or busy: ask again)";

    /** A body that does not parse as the JSON the route takes (the reason is the parser's, cut short: it quotes input). */
    @ServerExceptionMapper
    public Response notTheJson(JsonProcessingException e) {
        return error(Response.Status.BAD_REQUEST.getStatusCode(), "the body is not the JSON this route takes: "
                + UntrustedText.shown(String.valueOf(e.getOriginalMessage()), 300));
    }

    @ServerExceptionMapper
    public Response notSupported(NotSupportedException e) {
        return error(Response.Status.UNSUPPORTED_MEDIA_TYPE.getStatusCode(), "the body's Content-Type is not one this route takes "
                + "(the verdict and model routes take application/json; the search by frame the frame's own type)");
    }

    /** Any other refusal by the framework (a method the route does not have, a parameter that does not convert). */
    @ServerExceptionMapper
    public Response refused(WebApplicationException e) {
        Response r = e.getResponse();
        if (r == null || r.getStatus() < 400 || r.hasEntity()) {
            return r;
        }
        if (e.getCause() instanceof JsonProcessingException json) { // the JSON reader's refusal, wrapped
            return notTheJson(json);
        }
        // the framework's response with its headers (a 405's Allow, say), and a body that says what was refused
        return Response.fromResponse(r).type(MediaType.APPLICATION_JSON).entity(Map.of("error", r.getStatusInfo().getReasonPhrase()
                + (e.getMessage() == null ? "" : ": " + UntrustedText.shown(e.getMessage(), 300)))).build();
    }

    private static Response error(int status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(Map.of("error", message)).build();
    }
}
