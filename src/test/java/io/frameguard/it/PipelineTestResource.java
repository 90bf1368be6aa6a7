package io.frameguard.it;

import io.frameguard.testing.BrokerTestResource;
import io.frameguard.testing.KafkaTestBroker;
import io.frameguard.testing.TestModels;
import java.nio.file.Path;
import java.util.Map;

/**
 * A real broker and a sensor model trained on simulated machines; the install is named {@link #INSTANCE}, and two
 * client settings that no other test sets must reach every Kafka client, the detector's Streams included.
 */
public class PipelineTestResource extends BrokerTestResource {

    static final String INSTANCE = "plant-7";
    /** Client settings harmless on a plain listener, with values no default has. */
    static final Map<String, String> CLIENT_SETTINGS = Map.of(
            "reconnect.backoff.max.ms", "1001",
            "sasl.login.callback.handler.class", "org.apache.kafka.common.security.oauthbearer.internals.unsecured.OAuthBearerUnsecuredLoginCallbackHandler");

    static volatile KafkaTestBroker broker;

    @Override
    protected Map<String, String> extraConfig() {
        Map<String, String> config = new java.util.HashMap<>();
        config.put("frameguard.instance", INSTANCE);
        CLIENT_SETTINGS.forEach((k, v) -> config.put("kafka." + k, v));
        return config;
    }

    @Override
    protected void trainModel(Path modelDir) throws Exception {
        TestModels.trainSensorModel(modelDir, 8000, 12, 42);
    }

    @Override
    protected void started(KafkaTestBroker b) {
        broker = b;
    }
}
