package io.frameguard.events;

import io.frameguard.config.ScoresFormat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The records on the topics: the field names they are written with, and the older layouts still read. */
class RecordLayoutTest {

    private static final Topics TOPICS = Topics.defaults();
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void scoreRecordsInJsonAreWrittenWithTheAnomalyEventsFieldNames() throws Exception {
        ScoreRecord s = new ScoreRecord(ScoreRecord.SCHEMA_VERSION, "pump-2", new FrameRef("frames", 3, 641), 1000, 1011,
                1.5, 0.9, "m1", 0.97, List.of(new ChannelError(2, "ch2", 20.4, 0.78)), null, 256, 900);
        Topics inJson = Topics.named("frames", "scores", "anomalies", "dlq", "drift", "verdicts", "memory", "history",
                ScoresFormat.JSON);
        JsonNode json = JSON.readTree(inJson.scores().serialize(ScoreBatch.of(s)));
        assertThat(json.get("schemaVersion").asInt()).isEqualTo(2);
        assertThat(json.at("/frame/topic").asText()).isEqualTo("frames");
        assertThat(json.at("/frame/partition").asInt()).isEqualTo(3);
        assertThat(json.at("/frame/offset").asLong()).isEqualTo(641);
        assertThat(json.get("captureTimestamp").asLong()).isEqualTo(1000);
        assertThat(json.get("scoredTimestamp").asLong()).isEqualTo(1011);
        assertThat(json.at("/topChannels/0/name").asText()).isEqualTo("ch2");
        assertThat(json.has("v")).isFalse();
        assertThat(json.has("top")).isFalse();
        assertThat(json.has("offset")).isFalse();
        assertThat(TOPICS.scores().deserialize(inJson.scores().serialize(ScoreBatch.of(s)))).isEqualTo(ScoreBatch.of(s));
    }

    @Test
    void scoreRecordsOfLayoutOneAreStillRead() {
        String v1 = "{\"v\":1,\"source\":\"pump-2\",\"topic\":\"frames\",\"partition\":3,\"offset\":641,\"captureTs\":1000,"
                + "\"scoredTs\":1011,\"score\":1.5,\"modelThreshold\":0.9,\"modelVersion\":\"m1\",\"validationRank\":0.97,"
                + "\"top\":[{\"index\":2,\"name\":\"ch2\",\"error\":20.4,\"share\":0.78}],\"batchSize\":256,\"inferenceMicros\":900}";
        ScoreRecord s = TOPICS.scores().deserialize(v1.getBytes(StandardCharsets.UTF_8)).scores().get(0);
        assertThat(s.schemaVersion()).isEqualTo(1);
        assertThat(s.frame()).isEqualTo(new FrameRef("frames", 3, 641));
        assertThat(s.frame().id()).isEqualTo("frames/3/641");
        assertThat(s.captureTimestamp()).isEqualTo(1000);
        assertThat(s.scoredTimestamp()).isEqualTo(1011);
        assertThat(s.topChannels()).containsExactly(new ChannelError(2, "ch2", 20.4, 0.78));
        assertThat(s.score()).isEqualTo(1.5);
        assertThat(s.modelVersion()).isEqualTo("m1");
    }

    @Test
    void anomalyEventsWithoutTheMemorysFieldsReadAsHavingNone() {
        String before = "{\"schemaVersion\":1,\"eventId\":\"frames/3/641\",\"source\":\"pump-2\","
                + "\"frame\":{\"topic\":\"frames\",\"partition\":3,\"offset\":641},\"score\":1.5,\"threshold\":1.0}";
        AnomalyEvent e = Topics.ANOMALY_SERDE.deserializer().deserialize("anomalies", before.getBytes(StandardCharsets.UTF_8));
        assertThat(e.similar()).isEmpty();
        assertThat(e.recognisedAs()).isNull();
        assertThat(e.suppressed()).isNull();
        assertThat(e.signature()).isNull();
        String written = new String(Topics.ANOMALY_SERDE.serializer().serialize("anomalies", e), StandardCharsets.UTF_8);
        assertThat(written).doesNotContain("similar", "recognisedAs", "suppressed", "signature");
    }

    @Test
    void driftEventsOfLayoutOneAreStillRead() throws Exception {
        String v1 = "{\"v\":1,\"source\":\"line-3\",\"status\":\"drift\",\"psi\":1.84,\"psiThreshold\":0.2,\"modelVersion\":\"m1\","
                + "\"windowFrames\":1000,\"observedShares\":[0.1],\"windowStartTs\":5,\"windowEndTs\":6,\"detectedTs\":7}";
        DriftEvent e = TOPICS.drift().deserialize(v1.getBytes(StandardCharsets.UTF_8));
        assertThat(e.schemaVersion()).isEqualTo(1);
        assertThat(e.windowStartTimestamp()).isEqualTo(5);
        assertThat(e.windowEndTimestamp()).isEqualTo(6);
        assertThat(e.detectedTimestamp()).isEqualTo(7);
        JsonNode written = JSON.readTree(TOPICS.drift().serialize(new DriftEvent(DriftEvent.SCHEMA_VERSION, "line-3", DriftEvent.DRIFT,
                1.84, 0.2, "m1", 1000, new double[] {0.1}, 5, 6, 7)));
        assertThat(written.get("schemaVersion").asInt()).isEqualTo(2);
        assertThat(written.get("windowStartTimestamp").asLong()).isEqualTo(5);
        assertThat(written.has("windowStartTs")).isFalse();
    }

    @Test
    void anEventsIdAndHeatmapPathComeFromItsFrame() {
        FrameRef f = new FrameRef("frames", 1, 2211);
        assertThat(f.id()).isEqualTo("frames/1/2211");
        assertThat(AnomalyEvent.heatmapPath(f)).isEqualTo("/api/anomalies/frames/1/2211/heatmap.png");
    }
}
