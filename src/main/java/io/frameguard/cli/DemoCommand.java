package io.frameguard.cli;

import io.frameguard.local.Demo;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;


/** {@code frameguard demo}: the whole pipeline on one machine ({@link Demo}). */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run everything locally: Kafka broker, model, service, frames with injected faults; print anomalies.")
final class DemoCommand implements java.util.concurrent.Callable<Integer> {

    @Option(names = "--work", defaultValue = "work/demo", description = "Directory for the broker, model and logs (default: ${DEFAULT-VALUE}).")
    Path work;

    @Option(names = "--seconds", defaultValue = "60", description = "How long to stream frames (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--rate", defaultValue = "20", description = "Frames per second per machine (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--fault-every", defaultValue = "4", description = "Seconds between injected faults (default: ${DEFAULT-VALUE}).")
    int faultEvery;

    @Option(names = "--http-port", defaultValue = "8080")
    int httpPort;

    @Option(names = "--management-port", defaultValue = "9000", description = "Port of /q/metrics and /q/health (default: ${DEFAULT-VALUE}).")
    int managementPort;

    @Override
    public Integer call() throws Exception {
        // refused now, not after the broker started and a model trained
        CommandOptions.atLeastOne("--seconds", seconds);
        CommandOptions.atLeastOne("--rate", rate);
        CommandOptions.atLeastOne("--fault-every", faultEvery);
        new Demo(work, seconds, rate, faultEvery, httpPort, managementPort).run();
        return 0;
    }
}
