package io.frameguard.cli;

import io.frameguard.local.LocalKafka;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code frameguard broker}: one Apache Kafka broker (KRaft, broker and controller in one process) on this machine, the
 * one {@code demo} runs, for trying the service, the trainer and the other commands on an operator's own frames before
 * a real cluster. Its data does not outlive it: each start formats a fresh one.
 */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Run one local Kafka broker (KRaft) to try frameguard on your own frames: localhost:9092 by default, "
                + "which every command and `serve` use unless told otherwise; a fresh broker at each start (the data of "
                + "the last one is deleted); Ctrl-C stops it. Production uses your Kafka cluster.")
final class BrokerCommand implements Callable<Integer> {

    /** Where Kafka's clients, and so frameguard's commands and service, look by default. */
    static final int DEFAULT_PORT = 9092;

    @Option(names = "--port", defaultValue = "" + DEFAULT_PORT, description = "Port of its plain-text listener (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--work", defaultValue = "work/broker", description = "Directory for its data and log (default: ${DEFAULT-VALUE}).")
    Path work;

    @Override
    public Integer call() throws Exception {
        Path home = Path.of(System.getProperty("frameguard.home", "."));
        Runnable logConnections = CommandLogging.quietConnecting(System.getenv()); // it is asked until it answers
        LocalKafka kafka;
        try {
            kafka = LocalKafka.start(home.resolve("target/local-kafka/lib"), work.resolve("kafka"), port);
        } catch (LocalKafka.PortInUseException e) {
            throw new IllegalArgumentException("--port: " + e.getMessage()); // one line, as for any setting
        }
        logConnections.run();
        // Ctrl-C ends the JVM: the broker, a process of its own, goes with it, and that stop is no failure to report
        java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopping.set(true);
            kafka.close();
        }, "broker-stop"));
        System.out.printf("Kafka broker on %s (data and log in %s); Ctrl-C stops it.%n", kafka.bootstrapServers(),
                work.resolve("kafka"));
        System.out.println(port == DEFAULT_PORT ? "frameguard's commands and `serve` reach it by default."
                : "For frameguard's commands and `serve`: KAFKA_BOOTSTRAP_SERVERS=" + kafka.bootstrapServers());
        System.out.flush();
        int status = kafka.awaitExit(); // a broker that fails ends the command
        if (stopping.get()) {
            return 0; // stopped by Ctrl-C or SIGTERM: the JVM is ending, and says nothing more
        }
        System.err.printf("frameguard broker: the broker stopped (exit status %d); its log: %s%n", status, kafka.log());
        return 1;
    }
}
