package io.frameguard.api;

import io.frameguard.config.FrameguardConfig;
import io.frameguard.frames.UntrustedText;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Guards every resource of the HTTP API ({@link ApiAccess}: the binding is to the resources, so no spelling of a
 * path reaches one unguarded).
 *
 * <p>Business rule: every route needs a token. Reading (GET, HEAD and routes marked {@link ReadsOnly}: heatmaps, which
 * show camera pixels, the anomaly memory, search by frame, the model listing) needs {@code Authorization: Bearer TOKEN} with the read token ({@code frameguard.api.read-token})
 * or the admin token ({@code frameguard.api.admin-token}); with neither configured the API is closed (403 naming the
 * settings). Writing (verdicts, activation, rollback) needs the admin token, and without one the API is read-only (403). A
 * missing or wrong token answers 401, the read token on a call that writes 403, each logged. Tokens are compared in
 * constant time.
 */
@Provider
@ApiAccess
public class ApiAccessFilter implements ContainerRequestFilter, jakarta.ws.rs.container.ContainerResponseFilter {

    private static final Logger LOG = Logger.getLogger(ApiAccessFilter.class);
    private static final String BEARER = "Bearer ";

    /** Looked up per request: JAX-RS providers are created before the configuration mapping is ready. */
    @Inject
    Instance<FrameguardConfig> config;

    @Context
    ResourceInfo resource;

    /**
     * No answer of the API is kept by the browser or a proxy: heatmaps and pictures of camera frames, incidents and
     * verdicts are for whoever presented a token, not for whoever uses the browser after them.
     */
    @Override
    public void filter(ContainerRequestContext request, jakarta.ws.rs.container.ContainerResponseContext response) {
        response.getHeaders().putSingle(HttpHeaders.CACHE_CONTROL, "no-store");
    }

    @Override
    public void filter(ContainerRequestContext request) {
        FrameguardConfig.Api api = config.get().api();
        Optional<String> admin = api.adminToken().map(String::strip);
        Optional<String> read = api.readToken().map(String::strip);
        boolean write = !HttpMethod.GET.equals(request.getMethod()) && !HttpMethod.HEAD.equals(request.getMethod())
                && !resource.getResourceMethod().isAnnotationPresent(ReadsOnly.class);
        if (write && admin.isEmpty()) {
            request.abortWith(error(Response.Status.FORBIDDEN, "the API is read-only: set frameguard.api.admin-token "
                    + "(FRAMEGUARD_API_ADMIN_TOKEN) to allow verdicts, activation and rollback"));
            return;
        }
        if (admin.isEmpty() && read.isEmpty()) {
            request.abortWith(error(Response.Status.FORBIDDEN, "the API is closed: set frameguard.api.read-token "
                    + "(FRAMEGUARD_API_READ_TOKEN) to read it, frameguard.api.admin-token (FRAMEGUARD_API_ADMIN_TOKEN) to "
                    + "read and change it"));
            return;
        }
        String presented = bearer(request.getHeaderString(HttpHeaders.AUTHORIZATION));
        boolean allowed = matches(presented, admin) || (!write && matches(presented, read));
        if (!allowed && write && matches(presented, read)) {
            // a valid token without the right: refused, not unknown (the console keeps its operator signed in)
            LOG.warnf("refused %s %s: the read token on a call that changes something", request.getMethod(),
                    UntrustedText.shown(request.getUriInfo().getPath(), 200));
            request.abortWith(error(Response.Status.FORBIDDEN, "the read token only reads: this call needs Authorization: "
                    + "Bearer <frameguard.api.admin-token>"));
            return;
        }
        if (!allowed) {
            LOG.warnf("refused %s %s: %s bearer token", request.getMethod(), UntrustedText.shown(request.getUriInfo().getPath(), 200),
                    presented == null ? "no" : write ? "no admin" : "wrong");
            request.abortWith(Response.fromResponse(error(Response.Status.UNAUTHORIZED, write
                    ? "this call needs Authorization: Bearer <frameguard.api.admin-token>"
                    : "this call needs Authorization: Bearer <frameguard.api.read-token or frameguard.api.admin-token>"))
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"frameguard\"").build());
        }
    }

    /** Whether an {@code Authorization} header presents the admin token. */
    static boolean admin(String authorization, FrameguardConfig.Api api) {
        return matches(bearer(authorization), api.adminToken().map(String::strip));
    }

    private static String bearer(String header) {
        return header == null || !header.startsWith(BEARER) ? null : header.substring(BEARER.length()).strip();
    }

    private static boolean matches(String presented, Optional<String> token) {
        return presented != null && token.isPresent()
                && MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), token.get().getBytes(StandardCharsets.UTF_8));
    }

    private static Response error(Response.Status status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(Map.of("error", message)).build();
    }
}
