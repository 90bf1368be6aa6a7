package io.frameguard.events;

/**
 * A sensor channel's error (its squared reconstruction error, over its typical error where the model card's scoring is
 * {@code channel-normalised}) and its share of the frame's total error (scores and anomaly events).
 */
public record ChannelError(int index, String name, double error, double share) {}
