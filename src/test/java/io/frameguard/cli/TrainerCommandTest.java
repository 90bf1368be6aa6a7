package io.frameguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.local.LocalKafka;
import io.frameguard.testing.KafkaTestBroker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/** The trainer as a CronJob runs it (--once, metrics scraped by Prometheus), on a real broker. */
class TrainerCommandTest {

    @RegisterExtension
    static final KafkaTestBroker.PerClass broker = new KafkaTestBroker.PerClass();

    private static final Pattern FAILED = Pattern.compile("frameguard_trainer_runs_total\\{result=\"failed\"} (\\S+)");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /**
     * A run that fails before it starts (here the lease topic cannot be created) counts as a failed run, and the
     * scrapes show the counter at 0 first and then at 1: an increase the FrameguardTrainerFailing alert sees.
     */
    @Test
    void aRunThatFailsBeforeItStartsIsCountedAfterAScrapeOfNothing() throws Exception {
        int port = LocalKafka.freePort();
        StringWriter err = new StringWriter();
        CommandLine cli = FrameguardCli.commandLine(new FrameguardCli()).setErr(new PrintWriter(err, true));
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> cli.execute("trainer", "--model", "sensor",
                "--once", "--metrics-port", Integer.toString(port), "--scrape-wait", "60s", "--lease-topic", "not a topic!",
                "--bootstrap-servers", broker.bootstrapServers()));
        List<Double> seen = new ArrayList<>(); // what Prometheus scraping every 300 ms would have recorded
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!exit.isDone() && System.nanoTime() < deadline) {
            Double failed = scrapeFailed(port);
            if (failed != null) {
                seen.add(failed);
            }
            Thread.sleep(300);
        }
        assertThat(exit.get(5, TimeUnit.SECONDS)).as(err.toString()).isEqualTo(1);
        assertThat(err.toString()).contains("cannot create the trainer lease topic not a topic!");
        assertThat(seen).as("failed runs at each scrape").isNotEmpty();
        assertThat(seen.get(0)).as("the first scrape, before the run").isZero();
        assertThat(seen.get(seen.size() - 1)).as("the last scrape, after it").isEqualTo(1.0);
    }

    private static Double scrapeFailed(int port) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/metrics"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            Matcher m = FAILED.matcher(r.body());
            return m.find() ? Double.valueOf(m.group(1)) : null;
        } catch (Exception e) {
            return null; // not serving yet, or no more
        }
    }
}
