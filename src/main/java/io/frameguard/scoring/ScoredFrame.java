package io.frameguard.scoring;

import java.util.List;

/**
 * One frame's score: the mean of its per-feature squared errors (standardised units), and the channels that
 * contributed most, largest first.
 */
public record ScoredFrame(double score, List<ChannelError> topChannels) {

    /** A channel's squared error and its share of the frame's total error. */
    public record ChannelError(int index, String name, double error, double share) {}
}
