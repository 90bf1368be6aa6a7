package io.frameguard.cli;

import io.quarkus.bootstrap.logging.QuarkusDelayedHandler;
import java.util.Locale;
import java.util.Map;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logmanager.formatters.JsonFormatter;
import org.jboss.logmanager.formatters.PatternFormatter;

/**
 * The commands' logs follow the service's logging settings, given as environment variables (the commands are no
 * Quarkus application, and the trainer sidecar shares the service's environment in a pod): JSON lines with
 * {@value #JSON}=true, and a level per category with {@code QUARKUS_LOG_CATEGORY__IO_FRAMEGUARD__LEVEL=DEBUG} (the
 * category's dots as single underscores, as Quarkus reads it). Without a logging configuration of its own the JBoss
 * log manager (which bin/frameguard installs, as Quarkus does) only has Quarkus's boot handler, which holds every
 * record until a Quarkus application configures logging, so the trainer sidecar logged nothing: a console handler is
 * given to it then, plain as the service's lines or JSON, with Kafka's clients at WARN as in
 * the service.
 */
final class CommandLogging {

    static final String JSON = "QUARKUS_LOG_CONSOLE_JSON_ENABLED";
    /**
     * DJL's CUDA probe warns, on a host without a GPU driver, that it found none; where a GPU is asked for and missing,
     * frameguard says so itself (InferenceDevice), so the probe's warning is only noise on every CPU host.
     */
    static final String CUDA_PROBE = "ai.djl.util.cuda";
    /**
     * Kafka's connection handling, which warns at every retry while a broker cannot be reached (some hundred lines while a
     * command waits for its answer): a command that runs once says so itself, in one line, when it gives up.
     */
    static final String CONNECTIONS = "org.apache.kafka.clients.NetworkClient";
    private static final Pattern CATEGORY_LEVEL = Pattern.compile("QUARKUS_LOG_CATEGORY__(.+)__LEVEL");
    /** The loggers given a level: held here, since the log manager holds its loggers weakly and would forget it. */
    private static final java.util.List<Logger> CONFIGURED = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** The service's console line: time, level, category, message. */
    private static final String PLAIN = "%d{yyyy-MM-dd HH:mm:ss,SSS} %-5p [%c] (%t) %s%e%n";

    private CommandLogging() {
    }

    private static void level(String category, Level level) {
        Logger logger = Logger.getLogger(category);
        logger.setLevel(level);
        CONFIGURED.add(logger);
    }

    static void configure(Map<String, String> env) {
        Logger root = LogManager.getLogManager().getLogger("");
        boolean json = "true".equalsIgnoreCase(env.getOrDefault(JSON, "").trim());
        Handler[] handlers = root.getHandlers();
        QuarkusDelayedHandler waiting = handlers.length == 1 && handlers[0] instanceof QuarkusDelayedHandler d && !d.isActivated() ? d : null;
        if (handlers.length == 0 || waiting != null) { // nothing configured this JVM's logging (a Quarkus test would have)
            root.setLevel(Level.INFO); // first: making the JSON formatter logs its provider lookup in detail
            level("org.apache.kafka", org.jboss.logmanager.Level.WARN);
            level(CUDA_PROBE, org.jboss.logmanager.Level.ERROR);
            ConsoleHandler console = new ConsoleHandler();
            console.setFormatter(json ? new JsonFormatter() : new PatternFormatter(PLAIN));
            console.setLevel(Level.ALL);
            if (waiting != null) {
                waiting.setHandlers(new Handler[] {console}); // Quarkus's boot handler, holding records until configured
            } else {
                root.addHandler(console);
            }
        } else if (json) {
            for (Handler handler : root.getHandlers()) {
                handler.setFormatter(new JsonFormatter());
            }
        }
        env.forEach((name, value) -> {
            String category = category(name);
            if (category != null) {
                Level level;
                try {
                    level = org.jboss.logmanager.Level.parse(value.trim().toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(name + ": not a log level: " + value, e);
                }
                level(category, level);
                for (Handler handler : root.getHandlers()) { // a handler's own level must let the finer records through
                    if (handler.getLevel().intValue() > level.intValue()) {
                        handler.setLevel(level);
                    }
                }
            }
        });
    }

    /** The logging category an environment variable sets the level of (as Quarkus reads it, lower case), or null. */
    private static String category(String variable) {
        Matcher m = CATEGORY_LEVEL.matcher(variable);
        return m.matches() ? m.group(1).toLowerCase(Locale.ROOT).replace('_', '.') : null;
    }

    /**
     * While a command waits for its first answer from Kafka ({@code models}, {@code verdict}, {@code tail}'s look-up of
     * its topic): Kafka's retries to connect are not logged (unless the environment sets {@value #CONNECTIONS}'s level);
     * a broker that does not answer ends the command with one line ({@code FrameguardCli}). Long-running commands (the
     * trainer sidecar, {@code tail} once it reads) log them, as the service does: run the returned action to log them
     * again.
     */
    static Runnable quietConnecting(Map<String, String> env) {
        // a level set for the connections' logger or any category above it (org.apache.kafka, ...) is the operator's
        boolean chosen = env.keySet().stream().map(CommandLogging::category)
                .anyMatch(c -> c != null && (CONNECTIONS.toLowerCase(Locale.ROOT) + ".").startsWith(c + "."));
        if (chosen) {
            return () -> { };
        }
        Logger logger = Logger.getLogger(CONNECTIONS);
        Level before = logger.getLevel();
        level(CONNECTIONS, org.jboss.logmanager.Level.ERROR);
        return () -> logger.setLevel(before);
    }
}
