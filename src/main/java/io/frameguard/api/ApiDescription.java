package io.frameguard.api;

import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.info.License;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;

/**
 * What the OpenAPI document (/q/openapi, Swagger UI at /q/swagger-ui, both on the management port) says about the API
 * as a whole: every route needs a bearer token ({@link ApiAccessFilter}: the read token reads, the admin token also
 * judges, activates and rolls back). A copy of the document is kept in docs/api/openapi.json, checked by a test. An
 * {@code Application} because that is where MicroProfile OpenAPI reads these annotations; it adds no path and lists no
 * classes, so every resource is served as before.
 */
@OpenAPIDefinition(
        info = @Info(title = "frameguard API", version = "1",
                description = "Anomaly incidents, their pictures, heatmaps, similar past anomalies and families, operators' "
                        + "verdicts, the live feed, and the model registry's versions. Every route needs a bearer token: "
                        + "frameguard.api.read-token to read, frameguard.api.admin-token to read and write.",
                license = @License(name = "Apache-2.0", url = "https://www.apache.org/licenses/LICENSE-2.0")),
        security = @SecurityRequirement(name = ApiDescription.BEARER))
@SecurityScheme(securitySchemeName = ApiDescription.BEARER, type = SecuritySchemeType.HTTP, scheme = "bearer",
        description = "frameguard.api.read-token or frameguard.api.admin-token")
public class ApiDescription extends jakarta.ws.rs.core.Application {

    static final String BEARER = "bearer";
}
