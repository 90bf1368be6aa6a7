/**
 * The retraining sidecar ({@code frameguard trainer}): one active trainer per model ({@code TrainerLease}, and the
 * transactional id that fences its registry writes), when to run ({@code RetrainingTriggers}), one run
 * ({@code RetrainingJob}: recent frames outside fault episodes from the topics, {@code RecentNormalFrames}; train a challenger; compare
 * it with the champion, {@code ChampionChallenger}; publish and activate), its own metrics ({@code TrainerMetrics}),
 * and {@code train --select}'s choice of architecture by the same synthetic anomalies ({@code ArchitectureSelection}).
 *
 * <p>May depend on: {@code training}, {@code inference}, {@code model}, {@code events}, {@code frames},
 * {@code datasets}, {@code detection} (its fault-episode rule).
 */
package io.frameguard.retraining;
