package io.frameguard.api;

import io.frameguard.config.FrameguardConfig;
import io.frameguard.events.Topics;
import io.frameguard.events.Verdict;
import io.frameguard.frames.UntrustedText;
import io.frameguard.memory.FrameSources;
import io.frameguard.memory.VerdictWriter;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * The service's one verdict writer and its one reader of frames' sources ({@link FrameSources}), each opened when first
 * needed and closed at shutdown.
 */
@ApplicationScoped
public class VerdictEndpoint {

    private static final Logger LOG = Logger.getLogger(VerdictEndpoint.class);
    /** Who the verdicts written through the API are from (the API has one admin token, not users). */
    static final String GIVEN_BY = "api";

    @Inject
    FrameguardConfig config;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    private VerdictWriter writer;
    private FrameSources sources;

    synchronized Verdict write(String eventId, String verdict, String label, String note, String source) throws IOException {
        if (writer == null) {
            writer = new VerdictWriter(new HashMap<>(kafkaConfig), Topics.from(config.topics()).verdicts());
        }
        Verdict v = writer.write(eventId, verdict, label, note, GIVEN_BY, source);
        LOG.infof("verdict on %s: %s%s", eventId, v.verdict(), v.label() == null ? "" : " (" + UntrustedText.shown(v.label(), 64) + ")");
        return v;
    }

    /** The source of an event's frame, read from the frames topic. */
    FrameSources.Lookup sourceOf(String eventId) {
        FrameSources s;
        synchronized (this) {
            if (sources == null) {
                sources = new FrameSources(new HashMap<>(kafkaConfig), config.topics().frames());
            }
            s = sources;
        }
        FrameSources.Lookup l = s.sourceOf(eventId);
        if (l.passing()) {
            LOG.warnf("%s", UntrustedText.shown(l.problem(), 500));
        }
        return l;
    }

    synchronized void onStop(@Observes ShutdownEvent event) {
        if (writer != null) {
            writer.close();
        }
        if (sources != null) {
            sources.close();
        }
    }
}
