package io.frameguard.api;

import io.frameguard.config.FrameguardConfig;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;

/**
 * {@code GET /api/session}: what the presented token may do here, the console's login check. Any valid token gets an
 * answer (a wrong one the filter's 401): {@code role} {@code admin} (judge, manage models) or {@code read} (look), and
 * which parts of the service are on, so that the console shows only what answers.
 */
@Path("/api/session")
@ApiAccess
public class SessionResource {

    @Inject
    FrameguardConfig config;

    /**
     * @param role admin or read
     * @param memory whether the anomaly memory is on ({@code frameguard.memory.max-entries} above 0)
     * @param registry whether the model registry is followed
     */
    public record Session(String role, boolean memory, boolean registry) {}

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Session session(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return new Session(ApiAccessFilter.admin(authorization, config.api()) ? "admin" : "read",
                config.memory().maxEntries() > 0, config.registry().enabled());
    }
}
