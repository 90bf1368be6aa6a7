package io.frameguard.events;

/** A sensor channel's squared error and its share of the frame's total error (scores and anomaly events). */
public record ChannelError(int index, String name, double error, double share) {}
