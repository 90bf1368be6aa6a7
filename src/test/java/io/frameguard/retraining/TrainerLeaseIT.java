package io.frameguard.retraining;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.frameguard.local.LocalKafka;
import io.frameguard.model.ModelRegistry;
import io.frameguard.testing.KafkaTestBroker;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Trainers of one model as separate processes (as sidecars in separate pods) on a real broker: exactly one holds the
 * model's lease and the others stand by; killed with SIGKILL, the holder's lease passes to a standby once the group
 * notices; stopped with SIGTERM, it passes at once; a trainer of another install holds its own lease meanwhile; and
 * {@code --once} gives up with status 5 while another trainer holds the lease.
 */
class TrainerLeaseIT {

    private static final Pattern HELD = Pattern.compile("(?m)^frameguard_trainer_lease_held(\\{[^}]*})? ([0-9.]+)$");
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final List<Process> processes = new ArrayList<>();

    /** One trainer process and where its metrics are. */
    record Trainer(Process process, int metricsPort, Path log) {
        /** 1 when it holds the lease, 0 standing by, -1 while its metrics are not up. */
        int held() {
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + metricsPort + "/metrics"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                Matcher m = HELD.matcher(r.body());
                return m.find() ? (int) Double.parseDouble(m.group(2)) : -1;
            } catch (IOException e) {
                return -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }
    }

    @AfterEach
    void stopAll() {
        processes.forEach(Process::destroyForcibly);
    }

    private Trainer start(String bootstrap, String instance, String... extra) throws IOException {
        return start(bootstrap, instance, Map.of(), extra);
    }

    private Trainer start(String bootstrap, String instance, Map<String, String> env, String... extra) throws IOException {
        int port = LocalKafka.freePort();
        Path log = Files.createTempFile("trainer-" + instance + "-", ".log");
        // as bin/frameguard runs it
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                "-cp", System.getProperty("java.class.path"), "io.frameguard.cli.FrameguardCli",
                "trainer", "--bootstrap-servers", bootstrap, "--model", "sensor", "--instance", instance,
                "--every", "0", "--metrics-port", Integer.toString(port)));
        cmd.addAll(List.of(extra));
        ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(env);
        Process p = builder.start();
        processes.add(p);
        return new Trainer(p, port, log);
    }

    @Test
    void oneTrainerPerModelHoldsTheLeaseAndAStandbyTakesOver() throws Exception {
        try (KafkaTestBroker broker = KafkaTestBroker.start()) {
            String bootstrap = broker.bootstrapServers();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic("scores", 1, (short) 1), new NewTopic("drift", 1, (short) 1),
                        new NewTopic(ModelRegistry.DEFAULT_TOPIC, 1, (short) 1))).all().get();
            }
            Trainer a = start(bootstrap, "plant");
            Trainer b = start(bootstrap, "plant");
            // another install, logging JSON lines with the service's setting, and its lease's debug lines
            Trainer otherInstall = start(bootstrap, "lab", Map.of("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "true",
                    "QUARKUS_LOG_CATEGORY__IO_FRAMEGUARD_RETRAINING__LEVEL", "DEBUG"));

            await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                assertThat(List.of(a.held(), b.held())).as("one active trainer of plant's model, one standing by")
                        .containsExactlyInAnyOrder(1, 0);
                assertThat(otherInstall.held()).as("another install's trainer holds its own lease").isEqualTo(1);
            });
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            List<com.fasterxml.jackson.databind.JsonNode> lines = new ArrayList<>();
            for (String line : Files.readAllLines(otherInstall.log())) {
                if (line.startsWith("{")) {
                    lines.add(json.readTree(line));
                }
            }
            assertThat(lines).as("the trainer's JSON log lines").anySatisfy(l -> {
                assertThat(l.path("loggerName").asText()).isEqualTo(TrainerLease.class.getName());
                assertThat(l.path("level").asText()).isEqualTo("INFO");
                assertThat(l.path("message").asText()).isEqualTo("holding the trainer lease lab-trainer-sensor: this trainer is the active one");
            });
            Trainer holder = a.held() == 1 ? a : b;
            Trainer standby = holder == a ? b : a;
            // stays so: nobody else grabs it while the holder lives
            Thread.sleep(3000);
            assertThat(List.of(holder.held(), standby.held())).containsExactly(1, 0);

            // --once while another trainer holds the lease: it joins the group (several heartbeats long) without taking
            // the lease from its holder, gives up busy (status 5) and leaves, and the holder holds on throughout
            Trainer once = start(bootstrap, "plant", "--once", "--lease-wait", "8s");
            assertThat(once.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(once.process().exitValue()).as(Files.readString(once.log())).isEqualTo(5);
            assertThat(Files.readString(once.log())).contains("busy: another trainer of sensor holds the lease plant-trainer-sensor");
            assertThat(List.of(holder.held(), standby.held())).as("a trainer joining and leaving takes nothing").containsExactly(1, 0);
            assertThat(Files.readString(holder.log())).as("the holder never let go").doesNotContain("released the trainer lease");

            // SIGKILL: no goodbye; the group notices after its session and the standby takes over
            holder.process().destroyForcibly().waitFor();
            long killed = System.nanoTime();
            await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).until(() -> standby.held() == 1);
            System.out.printf("after SIGKILL the standby held the lease in %.1f s%n", (System.nanoTime() - killed) / 1e9);
            assertThat(otherInstall.held()).isEqualTo(1);

            // a new trainer joins and stands by; SIGTERM on the holder hands the lease over without waiting for a session
            Trainer next = start(bootstrap, "plant");
            await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> next.held() == 0
                    && Files.readString(next.log()).contains("standing by"));
            Thread.sleep(4000); // a rebalance and heartbeats later: the newcomer still stands by
            assertThat(List.of(standby.held(), next.held())).containsExactly(1, 0);
            standby.process().destroy();
            assertThat(standby.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
            long stopped = System.nanoTime();
            await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).until(() -> next.held() == 1);
            System.out.printf("after SIGTERM the standby held the lease in %.1f s%n", (System.nanoTime() - stopped) / 1e9);
        }
    }
}
