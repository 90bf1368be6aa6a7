package io.frameguard.heatmaps;

import io.frameguard.config.FrameguardConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The one heatmap store: filled by the scorer's workers, read by the API. */
@ApplicationScoped
public class HeatmapStoreProducer {

    @Produces
    @Singleton
    HeatmapStore heatmapStore(FrameguardConfig config) {
        return new HeatmapStore(config.heatmaps().maxBytes(), config.detector().floorFactor());
    }
}
