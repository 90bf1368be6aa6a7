package io.frameguard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.victools.jsonschema.generator.FieldScope;
import com.github.victools.jsonschema.generator.Option;
import com.github.victools.jsonschema.generator.OptionPreset;
import com.github.victools.jsonschema.generator.SchemaGenerator;
import com.github.victools.jsonschema.generator.SchemaGeneratorConfigBuilder;
import com.github.victools.jsonschema.generator.SchemaVersion;
import com.github.victools.jsonschema.module.jackson.JacksonModule;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.frameguard.events.AnomalyEvent;
import io.frameguard.events.DriftEvent;
import io.frameguard.events.MemoryEntry;
import io.frameguard.events.ScoreRecord;
import io.frameguard.events.SourceMinute;
import io.frameguard.events.Verdict;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The JSON Schemas of the records on frameguard's topics (src/main/resources/schemas, served at /api/schemas):
 * generated here from the record types, and real records checked against them. A record is checked against a strict
 * copy of its schema that allows no property the schema does not name, so a schema that misses a field fails too;
 * the published schemas allow more (readers must ignore fields they do not know: newer writers add some).
 */
public final class RecordSchemas {

    public static final Path DIR = ExternalTool.repo().resolve("src/main/resources/schemas");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ID = "https://frameguard.io/schemas/";
    private static final Map<String, JsonSchema> STRICT = new ConcurrentHashMap<>();

    /** Schema name to the record type it is generated from (the frame's schema is written by hand). */
    public static final Map<String, Class<?>> GENERATED = new LinkedHashMap<>();

    static {
        GENERATED.put("score", ScoreRecord.class);
        GENERATED.put("anomaly", AnomalyEvent.class);
        GENERATED.put("drift", DriftEvent.class);
        GENERATED.put("memory", MemoryEntry.class);
        GENERATED.put("verdict", Verdict.class);
        GENERATED.put("history", SourceMinute.class);
    }

    /** Every published schema: the generated ones and the frame's. */
    public static Set<String> names() {
        java.util.Set<String> names = new java.util.TreeSet<>(GENERATED.keySet());
        names.add("frame");
        return names;
    }

    private RecordSchemas() {
    }

    /** The file of a schema. */
    public static Path file(String name) {
        return DIR.resolve(name + ".schema.json");
    }

    /**
     * The schema of a record type as it is written (Jackson's view of it): primitives are always present (required);
     * other properties may be null unless Jackson leaves them out when null or empty (then absent, never null).
     */
    public static ObjectNode generate(String name, Class<?> type) {
        SchemaGeneratorConfigBuilder config = new SchemaGeneratorConfigBuilder(SchemaVersion.DRAFT_2020_12, OptionPreset.PLAIN_JSON)
                .with(new JacksonModule())
                .with(Option.DEFINITIONS_FOR_ALL_OBJECTS, Option.NULLABLE_ARRAY_ITEMS_ALLOWED);
        // Jackson writes byte arrays (a picture's pixels and errors, packed) as base64 text
        config.forTypesInGeneral().withCustomDefinitionProvider((javaType, context) -> javaType.getErasedType() == byte[].class
                ? new com.github.victools.jsonschema.generator.CustomDefinition(context.getGeneratorConfig().createObjectNode()
                        .put("type", "string").put("contentEncoding", "base64"))
                : null);
        config.forFields().withRequiredCheck(f -> f.getType() != null && f.getType().isPrimitive());
        config.forFields().withNullableCheck(f -> !(f.getType() != null && f.getType().isPrimitive()) && !leftOutWhenNull(f));
        ObjectNode schema = new SchemaGenerator(config.build()).generateSchema(type);
        ObjectNode out = JSON.createObjectNode();
        out.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        out.put("$id", ID + name + ".schema.json");
        out.put("title", "frameguard " + name + " record (" + type.getSimpleName() + ")");
        out.put("description", "Generated from io.frameguard.events." + type.getSimpleName()
                + " by RecordSchemasTest; docs/EVENTS.md describes each field. Readers must ignore properties they do not know.");
        schema.remove("$schema");
        out.setAll(schema);
        return out;
    }

    private static boolean leftOutWhenNull(FieldScope f) {
        JsonInclude own = f.getAnnotationConsideringFieldAndGetter(JsonInclude.class);
        JsonInclude type = f.getDeclaringType().getErasedType().getAnnotation(JsonInclude.class);
        JsonInclude include = own != null ? own : type;
        return include != null && include.value() != JsonInclude.Include.ALWAYS && include.value() != JsonInclude.Include.USE_DEFAULTS;
    }

    /** Fails unless {@code json} is a valid record of schema {@code name} (strictly: no property it does not name). */
    public static void assertValid(String name, byte[] record) {
        // a binary score record is checked in its JSON form (ScoreJson: each of its frames' scores), as a consumer
        // writing JSON would see it
        if (name.equals("score")) {
            ScoreJson.jsonOf(record).forEach(frame -> assertValidJson(name, frame));
        } else {
            assertValidJson(name, record);
        }
    }

    private static void assertValidJson(String name, byte[] json) {
        JsonSchema schema = STRICT.computeIfAbsent(name, RecordSchemas::strict);
        try {
            Set<ValidationMessage> problems = schema.validate(JSON.readTree(json));
            assertThat(problems).as("%s record %s", name, new String(json, java.nio.charset.StandardCharsets.UTF_8)).isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The problems of a record, against the published (lenient) schema. */
    public static Set<ValidationMessage> problems(String name, JsonNode record) {
        try {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(JSON.readTree(file(name).toFile())).validate(record);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonSchema strict(String name) {
        try {
            JsonNode schema = JSON.readTree(file(name).toFile());
            forbidOthers(schema);
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(schema);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void forbidOthers(JsonNode node) {
        if (node instanceof ObjectNode o && o.has("properties") && !o.has("additionalProperties")) {
            o.put("additionalProperties", false);
        }
        node.forEach(RecordSchemas::forbidOthers);
    }
}
