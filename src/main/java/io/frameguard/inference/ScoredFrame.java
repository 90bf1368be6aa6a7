package io.frameguard.inference;

import io.frameguard.events.ChannelError;
import io.frameguard.events.ImageRegion;
import java.util.List;

/**
 * One frame's score, the mean of its error map, and why: for sensor frames the channels that contributed most,
 * largest first; for images the region of largest error.
 *
 * @param validationRank share of the model's validation frames that scored lower (null: the card has no sketch)
 * @param topChannels sensor frames; empty for images
 * @param region images; null for sensor frames
 * @param signature what is wrong with the frame, for finding similar anomalies (the model's signature output); null
 *     when the model has none
 */
public record ScoredFrame(double score, Double validationRank, List<ChannelError> topChannels, ImageRegion region,
        float[] signature) {}
