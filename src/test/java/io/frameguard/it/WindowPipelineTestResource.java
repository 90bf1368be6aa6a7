package io.frameguard.it;

import io.frameguard.datasets.SensorSimulator;
import io.frameguard.testing.BrokerTestResource;
import io.frameguard.testing.KafkaTestBroker;
import io.frameguard.testing.TestModels;
import io.frameguard.training.AutoencoderTrainer;
import io.frameguard.training.TrainingOptions;
import io.frameguard.training.TrainingProgress;
import java.nio.file.Path;

/** A real broker and a window model (16 channels x 32 steps of a simulated machine) with train's defaults. */
public class WindowPipelineTestResource extends BrokerTestResource {

    static final int CHANNELS = 16;
    static final int STEPS = 32;
    static final SensorSimulator MACHINE = SensorSimulator.machine(CHANNELS, 21);
    static volatile KafkaTestBroker broker;
    static volatile Path model;

    @Override
    protected void trainModel(Path modelDir) throws Exception {
        new AutoencoderTrainer(TrainingOptions.builder().name("windows").version("windows-it").epochs(15).channels(CHANNELS)
                .threads(2).build(), TrainingProgress.NONE)
                .train(TestModels.windows(MACHINE, 2000, 8, 13, STEPS), modelDir, "simulated machine windows");
        model = modelDir;
    }

    @Override
    protected void started(KafkaTestBroker b) {
        broker = b;
    }
}
