package io.frameguard.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.frameguard.datasets.SensorSimulator;
import io.frameguard.frames.FrameEncoding;
import io.frameguard.local.LocalKafka;
import io.frameguard.local.LocalService;
import io.frameguard.testing.Browsers;
import io.frameguard.testing.ExternalTool;
import io.frameguard.testing.TestModels;
import io.frameguard.training.AutoencoderTrainer;
import io.frameguard.training.TrainingOptions;
import io.frameguard.training.TrainingProgress;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The operator console in a real browser (Debian's chromium, headless, driven by Selenium through Debian's
 * chromium-driver) against the packaged service on a real broker, with a really trained window model: the page loads
 * without console errors, a frame produced with kcat appears in the live feed within seconds, opening it shows the
 * window's channel plots and similar anomalies, a read token may look but not judge, the admin token's "false alarm"
 * writes a verdict the API then returns, a wrong token is refused, and a stopped service is shown as unreachable.
 * Screenshots of the feed and of one anomaly go to target/console-screenshots.
 */
class ConsoleBrowserIT {

    private static final String READ_TOKEN = "console-read-token-0123456789";
    private static final String ADMIN_TOKEN = "console-admin-token-0123456789";
    private static final int CHANNELS = 8;
    private static final int STEPS = 32;
    private static final SensorSimulator MACHINE = SensorSimulator.machine(CHANNELS, 31);
    /** How long a frame produced with kcat may take to show in the feed. */
    private static final Duration FEED_DELAY = Duration.ofSeconds(20);
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    static final Path SCREENSHOTS = Path.of("target/console-screenshots");

    @Test
    void anOperatorSeesJudgesAndIsToldWhenTheServiceIsDown() throws Exception {
        String kcat = ExternalTool.require("kcat", "apt-get install kcat");
        Path app = io.frameguard.testing.PackagedApp.dir();
        Path work = io.frameguard.testing.PackagedApp.freshWorkDir("console-browser-it");
        Files.createDirectories(SCREENSHOTS);
        new AutoencoderTrainer(TrainingOptions.builder().name("console").version("console-it").epochs(12).channels(CHANNELS)
                .threads(2).build(), TrainingProgress.NONE)
                .train(TestModels.windows(MACHINE, 1500, 6, 11, STEPS), work.resolve("model"), "simulated machine windows");

        try (LocalKafka kafka = LocalKafka.startWithClasspath(System.getProperty("java.class.path"), work.resolve("kafka"))) {
            String bootstrap = kafka.bootstrapServers();
            try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic("frames", 2, (short) 1))).all().get();
            }
            int http = LocalKafka.freePort();
            Map<String, String> settings = new HashMap<>();
            settings.put("kafka.bootstrap.servers", bootstrap);
            // the model comes from the Kafka registry, as in production: the Models tab lists it
            io.frameguard.model.ModelArtifact artifact = io.frameguard.model.ModelArtifact.open(work.resolve("model"));
            try (io.frameguard.model.ModelRegistry registry = new io.frameguard.model.ModelRegistry(
                    Map.of("bootstrap.servers", bootstrap), io.frameguard.model.ModelRegistry.DEFAULT_TOPIC)) {
                registry.ensureTopic(java.util.Optional.of((short) 1));
                registry.publish(artifact);
                registry.activate(artifact.card().name(), artifact.card().version(), "first model");
            }
            settings.put("frameguard.registry.enabled", "true");
            settings.put("frameguard.registry.cache-dir", work.resolve("model-cache").toString());
            settings.put("frameguard.registry.model-name", artifact.card().name());
            settings.put("frameguard.api.read-token", READ_TOKEN);
            settings.put("frameguard.api.admin-token", ADMIN_TOKEN);
            settings.put("kafka-streams.state.dir", work.resolve("streams").toString());
            settings.put("quarkus.http.port", Integer.toString(http));
            String base = "http://localhost:" + http;
            LocalService service = LocalService.start(app, settings, LocalKafka.freePort(), work.resolve("service.log"));
            WebDriver browser = null;
            try {
                service.awaitReady();
                awaitUntil(() -> status(base, "/api/anomalies", READ_TOKEN) == 200, "the memory answers");
                // the tokens reach the service in its environment: its command line, which ps shows everyone, holds neither
                assertThat(ProcessHandle.of(service.pid()).orElseThrow().info().commandLine().orElseThrow()).contains("quarkus-run.jar")
                        .doesNotContain(ADMIN_TOKEN).doesNotContain(READ_TOKEN);
                // past anomalies of other machines, for the similar list and the families map
                producePastAnomalies(bootstrap);
                awaitUntil(() -> get(base, "/api/anomalies?limit=1000").get("matching").asInt() >= 6, "past anomalies remembered");

                // the page is served by the service itself, under a strict content security policy
                HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/console/")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(page.statusCode()).isEqualTo(200);
                assertThat(page.body()).contains("console.js").doesNotContain("http://", "https://");
                assertThat(page.headers().firstValue("Content-Security-Policy").orElse(""))
                        .contains("script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'");

                browser = Browsers.chromium();
                WebDriverWait wait = new WebDriverWait(browser, WAIT);
                browser.get(base + "/");
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-form")));
                assertThat(browser.getCurrentUrl()).endsWith("/console/");

                // the read token: looks, cannot judge
                signIn(browser, wait, READ_TOKEN);
                assertThat(browser.findElement(By.id("role")).getText()).isEqualTo("read only");
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("link-state"), "live"));
                wait.until(d -> !d.findElements(By.cssSelector("#feed-table tbody tr")).isEmpty());
                assertThat(browser.findElements(By.cssSelector("#source-counts .chip"))).hasSizeGreaterThan(1);

                // a frame produced with kcat by an outside client shows in the live feed within seconds
                long producedAt = produceWithKcat(kcat, bootstrap, "kcat-press");
                new WebDriverWait(browser, FEED_DELAY).until(ExpectedConditions.presenceOfElementLocated(
                        By.xpath("//table[@id='feed-table']//tr[td[2][text()='kcat-press']]")));
                long seenAfterMs = System.currentTimeMillis() - producedAt;
                System.out.printf("console: kcat frame in the feed %d ms after kcat finished%n", seenAfterMs);
                screenshot(browser, "feed.png");

                // opening it: the channel plots, the top channels outlined, similar past anomalies
                WebElement row = browser.findElement(By.xpath("//table[@id='feed-table']//tr[td[2][text()='kcat-press']]"));
                String eventId = row.getAttribute("data-event-id");
                row.click();
                wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#channel-plots .plot")));
                assertThat(browser.findElements(By.cssSelector("#channel-plots .plot"))).hasSize(CHANNELS);
                assertThat(browser.findElements(By.cssSelector("#channel-plots .plot.top"))).isNotEmpty();
                assertThat(browser.findElements(By.cssSelector("#channel-plots path.reconstruction"))).hasSize(CHANNELS);
                wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#similar .item img[src^='blob:']")));
                wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#score-chart circle")));
                // the source's minutes: its score and threshold line (the history comes every 10 s)
                new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> {
                    d.navigate().refresh();
                    return new WebDriverWait(d, Duration.ofSeconds(10)).until(ExpectedConditions.presenceOfElementLocated(
                            By.cssSelector("#score-chart path.thresholds"))).getAttribute("d").startsWith("M");
                });
                assertThat(browser.findElement(By.id("judge")).getText()).contains("needs the admin token");
                assertThat(browser.findElements(By.id("verdict-false-alarm"))).isEmpty();
                screenshot(browser, "anomaly.png");

                // families and models answer
                browser.get(base + "/console/#/families");
                wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#family-map circle")));
                browser.get(base + "/console/#/models");
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("models"), "console-it"));

                // Grafana's per-source links open the feed of that source
                browser.get(base + "/console/#/feed?source=machine-2");
                wait.until(d -> {
                    List<WebElement> rows = d.findElements(By.cssSelector("#feed-table tbody tr td:nth-child(2)"));
                    return !rows.isEmpty() && rows.stream().allMatch(td -> td.getText().equals("machine-2"));
                });
                assertThat(new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("filter-source")))
                        .getFirstSelectedOption().getText()).isEqualTo("machine-2");

                // the admin token judges: "false alarm" is written, and the API then returns it
                browser.findElement(By.id("sign-out")).click();
                signIn(browser, wait, ADMIN_TOKEN);
                browser.get(base + "/console/#/anomaly/" + eventId);
                wait.until(ExpectedConditions.elementToBeClickable(By.id("verdict-false-alarm"))).click();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("verdict-message"), "Written"));
                awaitUntil(() -> "false-alarm".equals(get(base, "/api/anomalies/" + eventId).at("/verdict/verdict").asText()),
                        "the API returns the verdict");
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("anomaly-status"), "false alarm"));

                // confirmed with a label, then given again with a note: the label box starts with the label, which stays
                browser.findElement(By.id("verdict-label")).sendKeys("bearing-wear");
                browser.findElement(By.id("verdict-confirmed")).click();
                awaitUntil(() -> "bearing-wear".equals(get(base, "/api/anomalies/" + eventId).at("/verdict/label").asText()),
                        "the API returns the label");
                browser.navigate().refresh();
                wait.until(d -> "bearing-wear".equals(d.findElement(By.id("verdict-label")).getDomProperty("value")));
                browser.findElement(By.id("verdict-note")).sendKeys("bearing replaced");
                browser.findElement(By.id("verdict-confirmed")).click();
                awaitUntil(() -> "bearing replaced".equals(get(base, "/api/anomalies/" + eventId).at("/verdict/note").asText()),
                        "the API returns the note");
                assertThat(get(base, "/api/anomalies/" + eventId).at("/verdict/label").asText()).isEqualTo("bearing-wear");

                // a family confirmed all at once with no label typed: the incident labelled before keeps its label
                JsonNode family = familyOfThree(base);
                String labelled = family.get(0).get("incidentId").asText();
                assertThat(postAsAdmin(base, "/api/anomalies/" + labelled + "/verdict",
                        "{\"verdict\":\"confirmed\",\"label\":\"frozen-sensor\"}")).isEqualTo(200);
                int familyId = family.get(0).get("family").asInt();
                awaitUntil(() -> java.util.stream.StreamSupport.stream(get(base, "/api/anomalies/families").get("points").spliterator(), false)
                        .anyMatch(p -> p.get("incidentId").asText().equals(labelled) && "frozen-sensor".equals(p.path("label").asText())),
                        "the families map shows the label");
                browser.get(base + "/console/#/families");
                wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("tr[data-family='" + familyId + "']"))).click();
                wait.until(ExpectedConditions.elementToBeClickable(By.xpath("//button[text()='All confirmed']"))).click();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("family-message"), "with the label each had"));
                for (JsonNode member : family) {
                    String id = member.get("incidentId").asText();
                    awaitUntil(() -> "confirmed".equals(get(base, "/api/anomalies/" + id).at("/verdict/verdict").asText()),
                            id + " confirmed");
                }
                assertThat(get(base, "/api/anomalies/" + labelled).at("/verdict/label").asText()).isEqualTo("frozen-sensor");
                assertThat(get(base, "/api/anomalies/" + family.get(1).get("incidentId").asText()).at("/verdict/label").isMissingNode()
                        || get(base, "/api/anomalies/" + family.get(1).get("incidentId").asText()).at("/verdict/label").isNull()).isTrue();

                // no errors in the browser's console so far
                List<LogEntry> errors = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                        .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).toList();
                assertThat(errors).as("browser console errors").isEmpty();

                // a wrong token is refused, by the page and by the API
                browser.findElement(By.id("sign-out")).click();
                signIn(browser, null, "not-a-token");
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("login-error"), "refused"));
                assertThat(browser.findElement(By.id("feed")).isDisplayed()).isFalse();
                assertThat(status(base, "/api/anomalies", "not-a-token")).isEqualTo(401);
                assertThat(status(base, "/api/anomalies", null)).isEqualTo(401);

                // the service stops: the page says so
                signIn(browser, wait, READ_TOKEN);
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("link-state"), "live"));
                service.close();
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("banner")));
                assertThat(browser.findElement(By.id("banner")).getText()).contains("Service unreachable");
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("link-state"), "offline"));
                screenshot(browser, "service-down.png");
            } catch (Throwable t) {
                if (browser != null) { // what the page showed and said, beside the screenshots
                    screenshot(browser, "failure.png");
                    Files.writeString(SCREENSHOTS.resolve("failure.html"), browser.getPageSource());
                    Files.writeString(SCREENSHOTS.resolve("failure-console.txt"), String.join("\n",
                            browser.manage().logs().get(LogType.BROWSER).getAll().stream().map(LogEntry::toString).toList()));
                }
                throw t;
            } finally {
                if (browser != null) {
                    browser.quit();
                }
                service.close();
            }
        }
    }

    private static void signIn(WebDriver browser, WebDriverWait wait, String token) {
        WebElement field = browser.findElement(By.id("token"));
        field.clear();
        field.sendKeys(token);
        browser.findElement(By.cssSelector("#login-form button[type=submit]")).click();
        if (wait != null) {
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("sign-out")));
        }
    }

    static void screenshot(WebDriver browser, String name) throws Exception {
        File shot = ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), SCREENSHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }

    /** Normal windows and faulty ones of several kinds from four machines (a Java producer). */
    private static void producePastAnomalies(String bootstrap) throws Exception {
        Random random = new Random(5);
        SensorSimulator.Fault[] faults = {SensorSimulator.Fault.LEVEL_SHIFT, SensorSimulator.Fault.FROZEN,
            SensorSimulator.Fault.SPIKE};
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", bootstrap),
                new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 24; i++) {
                String source = "machine-" + i % 4;
                send(producer, source, MACHINE.window(source, 40L * i, STEPS));
                SensorSimulator.Fault fault = faults[i % faults.length];
                float[] w = MACHINE.faultyWindow(source, 40L * i + 7, STEPS, fault, new int[] {i % CHANNELS, (i + 3) % CHANNELS}, 4);
                send(producer, source, w);
            }
            producer.flush();
        }
    }

    private static void send(KafkaProducer<String, byte[]> producer, String source, float[] window) throws Exception {
        RecordHeaders headers = new RecordHeaders();
        headers.add("content-type", "application/json".getBytes(StandardCharsets.UTF_8));
        producer.send(new ProducerRecord<>("frames", null, source, FrameEncoding.json(window), headers)).get(30, TimeUnit.SECONDS);
    }

    /** Two normal windows and two with a level shift on channels 2 and 5, with kcat: when kcat finished. */
    private static long produceWithKcat(String kcat, String bootstrap, String source) throws Exception {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 2; i++) {
            lines.append(source).append('\t').append(new String(FrameEncoding.json(MACHINE.window(source, 100L * i, STEPS)),
                    StandardCharsets.UTF_8)).append('\n');
        }
        for (int i = 0; i < 2; i++) {
            float[] w = MACHINE.faultyWindow(source, 300L + 50 * i, STEPS, SensorSimulator.Fault.LEVEL_SHIFT, new int[] {2, 5}, 6);
            lines.append(source).append('\t').append(new String(FrameEncoding.json(w), StandardCharsets.UTF_8)).append('\n');
        }
        Path input = Files.createTempFile("kcat-windows", ".txt");
        Files.writeString(input, lines);
        ExternalTool.Run run = ExternalTool.run(ExternalTool.repo(), 60, kcat, "-P", "-b", bootstrap, "-t", "frames", "-K", "\t",
                "-H", "content-type=application/json", "-l", input.toString());
        assertThat(run.exitCode()).as("kcat: %s", run.output()).isZero();
        return System.currentTimeMillis();
    }

    private static JsonNode get(String base, String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + READ_TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("%s: %s", path, r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** The members of a family of at least three incidents none of which is judged yet, from the API's families map. */
    private static JsonNode familyOfThree(String base) throws Exception {
        JsonNode[] found = new JsonNode[1];
        awaitUntil(() -> {
            Map<Integer, List<JsonNode>> byFamily = new HashMap<>();
            for (JsonNode p : get(base, "/api/anomalies/families").get("points")) {
                if (p.get("family").asInt() >= 0) {
                    byFamily.computeIfAbsent(p.get("family").asInt(), f -> new java.util.ArrayList<>()).add(p);
                }
            }
            byFamily.values().stream().filter(m -> m.size() >= 3 && m.stream().allMatch(p -> p.path("label").isMissingNode()
                    || p.path("label").isNull()) && m.stream().noneMatch(p -> "false-alarm".equals(p.path("status").asText())
                    || "confirmed".equals(p.path("status").asText())))
                    .findFirst().ifPresent(m -> found[0] = JSON.valueToTree(m));
            return found[0] != null;
        }, "a family of three unjudged incidents");
        return found[0];
    }

    private static int postAsAdmin(String base, String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + ADMIN_TOKEN)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static int status(String base, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static void awaitUntil(java.util.concurrent.Callable<Boolean> check, String what) {
        org.awaitility.Awaitility.await(what).atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(check);
    }
}
