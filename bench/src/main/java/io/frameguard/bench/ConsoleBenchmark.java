package io.frameguard.bench;

import io.frameguard.events.AnomalyEvent;
import io.frameguard.events.ChannelError;
import io.frameguard.events.FrameRef;
import io.frameguard.events.Incident;
import io.frameguard.events.MemoryEntry;
import io.frameguard.events.Picture;
import io.frameguard.events.Signature;
import io.frameguard.events.Topics;
import io.frameguard.heatmaps.Pictures;
import io.frameguard.local.LocalKafka;
import io.frameguard.local.LocalService;
import io.frameguard.testing.Browsers;
import io.frameguard.testing.TestModels;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Is the operator console usable with a full memory and a busy line? The packaged service on a local broker, its
 * anomaly memory filled with {@code --memory} incidents (window anomalies with pictures and signatures, written to the
 * memory topic as the detector writes them), then the console in headless chromium: time to the first rendered feed
 * and to one anomaly's pictures, the page's JavaScript heap and DOM size, and while {@code --rate} new incidents a
 * second arrive for {@code --seconds}: how far behind they show, how long the page's main thread was blocked (long
 * tasks) and how late a 100 ms timer fired (what a click would wait). The same figures with {@code --baseline}
 * incidents in the memory, in the same run, give the ratios.
 */
@Command(name = "console", mixinStandardHelpOptions = true,
        description = "The operator console with a full anomaly memory and anomalies arriving fast.")
public class ConsoleBenchmark implements Callable<Integer> {

    @Option(names = "--memory", defaultValue = "10000", description = "Incidents in the memory (default: ${DEFAULT-VALUE}).")
    int memory;

    @Option(names = "--baseline", defaultValue = "100", description = "Incidents in the memory of the baseline run (default: ${DEFAULT-VALUE}).")
    int baseline;

    @Option(names = "--rate", defaultValue = "100", description = "New incidents a second while measuring (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--seconds", defaultValue = "60", description = "How long they arrive (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--work", defaultValue = "target/bench/console", description = "Work directory (default: ${DEFAULT-VALUE}).")
    Path work;

    @Option(names = "--report", description = "Markdown report whose current console figures are replaced (history appended beside it).")
    Path report;

    private static final String TOKEN = "console-bench-token-0123456789";
    private static final int CHANNELS = 8;
    private static final int STEPS = 64;
    private static final int SIGNATURE = 24;
    private static final int SOURCES = 40;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** One measurement of the page. */
    record Figures(int held, double firstRenderMs, double anomalyMs, double heapMb, int domNodes, double heapAfterMb,
            int domAfter, double longTaskMs, int longTasks, double maxTimerLagMs, double serverP99LagMs, double p99ArrivalLagMs, int arrived,
            int shown) {}

    @Override
    public Integer call() throws Exception {
        Path home = Path.of(System.getProperty("frameguard.home", "."));
        Path app = Path.of(System.getProperty("frameguard.app", home.resolve("target/quarkus-app").toString()));
        work = work.toAbsolutePath();
        org.apache.commons.io.FileUtils.deleteDirectory(work.toFile());
        Files.createDirectories(work);
        // any model: the page reads the memory; this one lets the service start as it does in production
        TestModels.trainSensorModel(work.resolve("model"), 2000, 2, 3);
        Random random = new Random(11);
        List<Figures> runs = new ArrayList<>();
        // the broker from the benchmark's own class path (the tests' broker jars): nothing else to build
        try (LocalKafka kafka = LocalKafka.startWithClasspath(System.getProperty("java.class.path"), work.resolve("kafka"));
                KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                        "linger.ms", 5), new StringSerializer(), new ByteArraySerializer())) {
            int http = LocalKafka.freePort();
            Map<String, String> settings = new HashMap<>();
            settings.put("kafka.bootstrap.servers", kafka.bootstrapServers());
            settings.put("frameguard.model.dir", work.resolve("model").toString());
            settings.put("frameguard.api.read-token", TOKEN);
            settings.put("kafka-streams.state.dir", work.resolve("streams").toString());
            settings.put("quarkus.http.port", Integer.toString(http));
            String base = "http://localhost:" + http;
            AtomicLong next = new AtomicLong();
            try (LocalService service = LocalService.start(app, settings, LocalKafka.freePort(), work.resolve("service.log"))) {
                service.awaitReady();
                for (int held : List.of(baseline, memory)) {
                    while (next.get() < held) {
                        producer.send(record(next.getAndIncrement(), random));
                    }
                    producer.flush();
                    awaitHeld(base, held);
                    WebDriver browser = Browsers.chromium();
                    try {
                        runs.add(measure(browser, base, held, producer, next, random));
                    } finally {
                        browser.quit();
                    }
                    awaitHeld(base, (int) next.get());
                }
            }
        }
        String table = table(runs);
        System.out.println(table);
        Figures full = runs.get(runs.size() - 1);
        System.out.printf(Locale.ROOT, "RESULT console held=%d first-render-ms=%.0f anomaly-ms=%.0f heap-after-mb=%.1f "
                + "shown-p99-ms=%.0f shown=%d/%d%n", full.held(), full.firstRenderMs(), full.anomalyMs(), full.heapAfterMb(),
                full.p99ArrivalLagMs(), full.shown(), full.arrived());
        if (report != null) {
            BenchReport.publish(report, "console", "Operator console under load", String.format(Locale.ROOT,
                    "headless chromium (Debian) through Selenium; the packaged service on a local broker; memory filled with "
                            + "window incidents (%d channels x %d steps, pictures and %d-value signatures) from %d sources; "
                            + "then %d new incidents/s for %d s; the feed shows the newest 300 rows",
                    CHANNELS, STEPS, SIGNATURE, SOURCES, rate, seconds), table);
        }
        return 0;
    }

    private Figures measure(WebDriver browser, String base, int held, KafkaProducer<String, byte[]> producer,
            AtomicLong next, Random random) throws Exception {
        JavascriptExecutor js = (JavascriptExecutor) browser;
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(120));
        browser.get(base + "/console/");
        js.executeScript("sessionStorage.setItem('frameguard.token', arguments[0])", TOKEN);
        browser.navigate().refresh(); // signed in from the first script on: the load is what an operator's reload costs
        wait.until(d -> number(js, "return performance.getEntriesByName('frameguard:feed-rendered').length") > 0);
        double firstRender = number(js, "return performance.getEntriesByName('frameguard:feed-rendered')[0].startTime");
        wait.until(d -> "live".equals(d.findElement(By.id("link-state")).getText()));
        double heap = number(js, "return performance.memory.usedJSHeapSize") / 1e6;
        int dom = (int) number(js, "return document.getElementsByTagName('*').length");

        // the page under arrivals: long tasks, a 100 ms timer's lateness, and how long after it was written each new
        // incident appeared in the table (its id carries the time it was written)
        js.executeScript("""
                window.__bench = { longTasks: 0, longMs: 0, maxLag: 0, lags: [] };
                new PerformanceObserver(l => l.getEntries().forEach(e => { __bench.longTasks++; __bench.longMs += e.duration; }))
                    .observe({ type: 'longtask', buffered: false });
                let due = performance.now() + 100;
                setInterval(() => { const now = performance.now(); __bench.maxLag = Math.max(__bench.maxLag, now - due); due = now + 100; }, 100);
                const seen = new Set();
                new MutationObserver(() => {
                  for (const row of document.querySelectorAll('#feed-table tbody tr')) {
                    const id = row.getAttribute('data-event-id');
                    if (seen.has(id) || Number(id.split('/')[2]) < arguments[0]) continue; // the arrivals only
                    seen.add(id);
                    __bench.lags.push(Date.now() - Number(row.getAttribute('data-last-seen')));
                  }
                }).observe(document.querySelector('#feed-table tbody'), { childList: true });
                """, next.get());
        AtomicBoolean arriving = new AtomicBoolean(true);
        int arrivals = rate * seconds;
        // the same feed read by a plain HTTP client: how much of the delay is the service's, how much the page's
        List<Long> serverLags = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.CompletableFuture<HttpResponse<java.util.stream.Stream<String>>> feed = HTTP.sendAsync(
                HttpRequest.newBuilder(URI.create(base + "/api/anomalies/feed")).header("Authorization", "Bearer " + TOKEN)
                        .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofLines());
        Thread reader = new Thread(() -> {
            java.util.regex.Pattern lastSeen = java.util.regex.Pattern.compile("\"lastSeen\":(\\d+)");
            try {
                feed.get().body().takeWhile(l -> arriving.get()).forEach(line -> {
                    java.util.regex.Matcher m = lastSeen.matcher(line);
                    if (line.startsWith("data:") && m.find()) {
                        serverLags.add(System.currentTimeMillis() - Long.parseLong(m.group(1)));
                    }
                });
            } catch (Exception e) {
                // ended with the measurement
            }
        });
        reader.setDaemon(true);
        reader.start();
        Thread writer = new Thread(() -> {
            long start = System.nanoTime();
            for (int i = 0; i < arrivals && arriving.get(); i++) {
                long due = start + (long) (i * 1e9 / rate);
                long sleep = due - System.nanoTime();
                if (sleep > 0) {
                    try {
                        Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                producer.send(record(next.getAndIncrement(), random));
            }
            producer.flush();
        });
        writer.start();
        writer.join();
        Thread.sleep(3000); // the last ones reach the page
        arriving.set(false);
        @SuppressWarnings("unchecked")
        Map<String, Object> b = (Map<String, Object>) js.executeScript("return window.__bench");
        @SuppressWarnings("unchecked")
        List<Number> lags = (List<Number>) b.get("lags");
        double[] sorted = lags.stream().mapToDouble(Number::doubleValue).sorted().toArray();
        double p99 = sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) Math.ceil(0.99 * sorted.length) - 1)];
        feed.cancel(true);
        double serverP99 = percentile(serverLags, 0.99);
        double heapAfter = number(js, "return performance.memory.usedJSHeapSize") / 1e6;
        int domAfter = (int) number(js, "return document.getElementsByTagName('*').length");
        int shown = browser.findElements(By.cssSelector("#feed-table tbody tr")).size();

        // one anomaly, opened from the feed
        js.executeScript("performance.clearMarks('frameguard:anomaly-rendered'); window.__opened = performance.now();"
                + "document.querySelector('#feed-table tbody tr').click()");
        wait.until(d -> number(js, "return performance.getEntriesByName('frameguard:anomaly-rendered').length") > 0);
        double anomaly = number(js, "return performance.getEntriesByName('frameguard:anomaly-rendered')[0].startTime - window.__opened");
        return new Figures(held, firstRender, anomaly, heap, dom, heapAfter, domAfter, ((Number) b.get("longMs")).doubleValue(),
                ((Number) b.get("longTasks")).intValue(), ((Number) b.get("maxLag")).doubleValue(), serverP99, p99, arrivals,
                sorted.length);
    }

    private static double percentile(List<Long> values, double q) {
        synchronized (values) {
            long[] sorted = values.stream().mapToLong(Long::longValue).sorted().toArray();
            return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
        }
    }

    private static double number(JavascriptExecutor js, String script) {
        Object o = js.executeScript(script);
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /** A window incident of one event, written now: its id's offset is {@code n}. */
    private static ProducerRecord<String, byte[]> record(long n, Random random) {
        String source = "line-" + (n % SOURCES);
        FrameRef frame = new FrameRef("frames", 0, n);
        long now = System.currentTimeMillis();
        float[] values = new float[CHANNELS * STEPS];
        float[] errors = new float[CHANNELS * STEPS];
        int bad = random.nextInt(CHANNELS);
        for (int s = 0; s < STEPS; s++) {
            for (int c = 0; c < CHANNELS; c++) {
                values[s * CHANNELS + c] = (float) Math.sin(s / 6.0 + c) + (c == bad && s > STEPS / 2 ? 2f : 0f);
                errors[s * CHANNELS + c] = c == bad && s > STEPS / 2 ? 4f : 0.1f * random.nextFloat();
            }
        }
        Picture picture = Pictures.window(CHANNELS, values.length, values, 0, errors, 0);
        float[] sig = new float[SIGNATURE];
        sig[bad] = 1f;
        for (int i = 0; i < SIGNATURE; i++) {
            sig[i] += 0.2f * random.nextFloat();
        }
        double score = 5 + 50 * random.nextDouble();
        AnomalyEvent event = new AnomalyEvent(AnomalyEvent.SCHEMA_VERSION, frame.id(), source, frame, now, now, now, score, 4.0,
                4.0, "bench-model", score > 40 ? "critical" : score > 10 ? "major" : "minor", new AnomalyEvent.Window(1, 1, 1),
                new AnomalyEvent.Explanation(AnomalyEvent.Explanation.CHANNELS,
                        List.of(new ChannelError(bad, "ch" + bad, 4.0, 0.8)), null, null),
                new Signature("bench-window", sig), List.of(), null, null, null);
        MemoryEntry entry = new MemoryEntry(MemoryEntry.SCHEMA_VERSION, new Incident(frame.id(), 1, now), source, now,
                List.of(frame.id()), event, picture);
        return new ProducerRecord<>(Topics.DEFAULT_MEMORY, frame.id(), Topics.MEMORY_SERDE.serializer().serialize(Topics.DEFAULT_MEMORY, entry));
    }

    private static void awaitHeld(String base, int held) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/anomalies/sources"))
                    .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200 && io.frameguard.events.JsonSerde.MAPPER.readTree(r.body()).get("incidents").asInt() >= held) {
                return;
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("the memory did not reach " + held + " incidents");
    }

    private String table(List<Figures> runs) {
        StringBuilder t = new StringBuilder();
        t.append("| incidents in the memory | first feed render ms | one anomaly ms | JS heap MB | DOM nodes | after ")
                .append(rate).append("/s for ").append(seconds).append(" s: JS heap MB | DOM nodes | long tasks (total ms) | ")
                .append("worst 100 ms timer lag ms | written → served p99 ms | written → shown p99 ms | arrived / shown in the feed |\n")
                .append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Figures f : runs) {
            t.append(String.format(Locale.ROOT, "| %,d | %.0f | %.0f | %.1f | %,d | %.1f | %,d | %d (%.0f) | %.0f | %.0f | %.0f | %,d / %,d |%n",
                    f.held(), f.firstRenderMs(), f.anomalyMs(), f.heapMb(), f.domNodes(), f.heapAfterMb(), f.domAfter(),
                    f.longTasks(), f.longTaskMs(), f.maxTimerLagMs(), f.serverP99LagMs(), f.p99ArrivalLagMs(), f.arrived(), f.shown()));
        }
        if (runs.size() == 2) {
            Figures a = runs.get(0);
            Figures b = runs.get(1);
            t.append(String.format(Locale.ROOT, "%nRatios, %,d against %,d incidents held: first render %.2fx, one anomaly %.2fx, "
                    + "JS heap after the arrivals %.2fx.%n", b.held(), a.held(), b.firstRenderMs() / a.firstRenderMs(),
                    b.anomalyMs() / a.anomalyMs(), b.heapAfterMb() / a.heapAfterMb()));
        }
        return t.toString();
    }
}
