package io.frameguard.events;

/**
 * A sensor channel's error (its squared reconstruction error, over its typical error where the model card's scoring is
 * {@code channel-normalised}) and its share of the frame's total error (scores and anomaly events); where the card's
 * {@code scoring.attribution} is {@code reconstruction-based}, the share is the part of the frame's error that a fault of
 * this channel alone explains, by which the top channels are ranked.
 */
public record ChannelError(int index, String name, double error, double share) {}
