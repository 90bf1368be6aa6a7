package io.frameguard.api;

import io.frameguard.config.FrameguardConfig;
import jakarta.inject.Inject;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Guards the model management API ({@code /api/models}). Without {@code frameguard.api.admin-token} it is
 * read-only: listing works, activation and rollback answer 403. With a token every call must carry
 * {@code Authorization: Bearer TOKEN}; a missing or wrong one answers 401 and is logged. Tokens are compared in
 * constant time.
 */
@jakarta.enterprise.context.ApplicationScoped
public class ManagementAccessFilter {

    private static final Logger LOG = Logger.getLogger(ManagementAccessFilter.class);
    static final String PATH = "api/models";
    private static final String BEARER = "Bearer ";

    @Inject
    FrameguardConfig config;

    @ServerRequestFilter
    public Response filter(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (!path.startsWith(PATH, path.startsWith("/") ? 1 : 0)) {
            return null;
        }
        Optional<String> token = config.api().adminToken().map(String::strip);
        boolean write = !HttpMethod.GET.equals(request.getMethod()) && !HttpMethod.HEAD.equals(request.getMethod());
        if (token.isEmpty()) {
            return write ? error(Response.Status.FORBIDDEN, "the model management API is read-only: set "
                    + "frameguard.api.admin-token (FRAMEGUARD_API_ADMIN_TOKEN) to allow activation and rollback") : null;
        }
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.startsWith(BEARER) || !MessageDigest.isEqual(
                header.substring(BEARER.length()).strip().getBytes(StandardCharsets.UTF_8),
                token.get().getBytes(StandardCharsets.UTF_8))) {
            LOG.warnf("refused %s /%s: %s bearer token", request.getMethod(), path.replaceFirst("^/", ""),
                    header == null ? "no" : "wrong");
            return Response.fromResponse(error(Response.Status.UNAUTHORIZED,
                    "this call needs Authorization: Bearer <frameguard.api.admin-token>"))
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"frameguard\"").build();
        }
        return null;
    }

    private static Response error(Response.Status status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(Map.of("error", message)).build();
    }
}
