package io.frameguard.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.frameguard.frames.FrameEncoding;
import io.frameguard.testing.RecordSchemas;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The published JSON Schemas are those generated from the record types now (regenerate with
 * {@code -Dregenerate.schemas=true}), and they are no rubber stamps: a record of the wrong shape is refused. Real
 * records of every kind are checked against them by the integration tests ({@link RecordSchemas#assertValid}).
 */
class RecordSchemasTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void publishedSchemasAreTheRecordTypesOfNow() throws Exception {
        for (Map.Entry<String, Class<?>> e : RecordSchemas.GENERATED.entrySet()) {
            JsonNode generated = RecordSchemas.generate(e.getKey(), e.getValue());
            if (Boolean.getBoolean("regenerate.schemas")) {
                Files.writeString(RecordSchemas.file(e.getKey()), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(generated) + "\n");
            }
            assertThat(JSON.readTree(RecordSchemas.file(e.getKey()).toFile()))
                    .as("%s (regenerate: -Dregenerate.schemas=true)", RecordSchemas.file(e.getKey())).isEqualTo(generated);
        }
        assertThat(RecordSchemas.names()).containsExactly("anomaly", "drift", "frame", "history", "memory", "score", "verdict");
    }

    @Test
    void aFrameAsProducersWriteItAndWrongShapesRefused() throws Exception {
        RecordSchemas.assertValid("frame", FrameEncoding.json(new float[] {0.5f, -1.25f, 3f}));
        assertThat(RecordSchemas.problems("frame", JSON.readTree("{\"values\":[]}"))).isNotEmpty();
        assertThat(RecordSchemas.problems("frame", JSON.readTree("{\"values\":[1,\"2\"]}"))).isNotEmpty();
        assertThat(RecordSchemas.problems("frame", JSON.readTree("[1,2,3]"))).isNotEmpty();
    }

    @Test
    void aVerdictAsTheServiceWritesItAndWrongShapesRefused() throws Exception {
        byte[] verdict = Topics.defaults().verdicts().valueSerde().serializer().serialize("verdicts",
                JSON.readValue("{\"eventId\":\"frames/0/7\",\"verdict\":\"confirmed\",\"label\":\"bearing\",\"givenBy\":\"api\",\"givenAt\":\"2026-12-02T10:00:00Z\",\"schemaVersion\":1}",
                        Verdict.class));
        RecordSchemas.assertValid("verdict", verdict);
        JsonNode v = JSON.readTree(verdict);
        ((com.fasterxml.jackson.databind.node.ObjectNode) v).put("schemaVersion", "one");
        assertThat(RecordSchemas.problems("verdict", v)).as("a version that is no number").isNotEmpty();
        assertThat(RecordSchemas.problems("score", JSON.readTree("{\"score\":\"high\"}"))).isNotEmpty();
    }
}
