package io.frameguard.testing;

import io.frameguard.config.ScoresFormat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.frameguard.events.ScoreRecord;
import io.frameguard.events.ScoreSerde;
import io.frameguard.events.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The frames' scores in a record of the scores topic as JSON, whichever layout it was written in
 * ({@code frameguard.topics.scores-format}): a binary record (one or more frames of a source) is decoded and each
 * frame's score written as the JSON layout; a JSON record is one frame's score (or, written by hand, an array of them).
 */
public final class ScoreJson {

    private static final ScoreSerde JSON = new ScoreSerde(ScoresFormat.JSON);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ScoreJson() {}

    /** Each frame's score in the record, in order, as it is written in JSON. */
    public static List<byte[]> jsonOf(byte[] value) {
        List<byte[]> out = new ArrayList<>();
        if (value.length > 0 && value[0] != '{' && value[0] != '[') {
            for (ScoreRecord s : Topics.SCORE_SERDE.deserialize("scores", value).scores()) {
                out.add(JSON.serialize("scores", io.frameguard.events.ScoreBatch.of(s)));
            }
            return out;
        }
        JsonNode read = tree(value);
        for (JsonNode n : read.isArray() ? read : List.of(read)) {
            try {
                out.add(MAPPER.writeValueAsBytes(n));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    /** Each frame's score in the record, in order, as a tree. */
    public static List<JsonNode> frames(byte[] value) {
        return jsonOf(value).stream().map(ScoreJson::tree).toList();
    }

    /** Each frame's score in these records, in order, as a tree. */
    public static List<JsonNode> frames(List<? extends ConsumerRecord<?, byte[]>> records) {
        List<JsonNode> out = new ArrayList<>();
        records.forEach(r -> out.addAll(frames(r.value())));
        return out;
    }

    /** The last frame's score in the record, as a tree. */
    public static JsonNode last(byte[] value) {
        List<JsonNode> all = frames(value);
        return all.get(all.size() - 1);
    }

    private static JsonNode tree(byte[] json) {
        try {
            return MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
