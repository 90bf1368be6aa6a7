package io.frameguard.training;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.op.core.Identity;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * One Adam update of a graph's variables per {@link #run} call, in an order that makes training repeatable.
 *
 * <p>Why not {@code org.tensorflow.framework.optimizers.Adam} (TF Java 0.5.0): it updates its
 * {@code beta1_power}/{@code beta2_power} variables with assign ops that have no ordering against the
 * {@code ApplyAdam} ops reading them, and lets an {@code ApplyAdam} overwrite a weight that another
 * layer's gradient may still be reading. Which happens first varies from run to run, so the same seed gave
 * models a few percent apart. Here every update waits for every gradient, and the bias-correction powers
 * {@code beta^t} are fed from the step count instead of being kept in variables: the same seed and data
 * give bit-identical weights.
 */
final class AdamStep {

    static final float BETA1 = 0.9f;
    static final float BETA2 = 0.999f;
    static final float EPSILON = 1e-7f;

    private final Operand<TFloat32> loss;
    private final Placeholder<TFloat32> beta1Power;
    private final Placeholder<TFloat32> beta2Power;
    private final Op update;
    private long step;

    AdamStep(Ops tf, Operand<TFloat32> loss, List<Variable<TFloat32>> variables, float learningRate) {
        this.loss = loss;
        beta1Power = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
        beta2Power = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
        Gradients gradients = tf.gradients(loss, variables);
        List<Op> allGradients = new ArrayList<>();
        List<Operand<TFloat32>> gradient = new ArrayList<>();
        for (int i = 0; i < variables.size(); i++) {
            Identity<TFloat32> g = tf.identity(gradients.<TFloat32>dy(i));
            gradient.add(g);
            allGradients.add(g);
        }
        Ops afterGradients = tf.withControlDependencies(allGradients);
        List<Op> updates = new ArrayList<>();
        for (int i = 0; i < variables.size(); i++) {
            Variable<TFloat32> v = variables.get(i);
            updates.add(afterGradients.train.applyAdam(v, tf.variable(tf.zerosLike(v)), tf.variable(tf.zerosLike(v)),
                    beta1Power, beta2Power, tf.constant(learningRate), tf.constant(BETA1), tf.constant(BETA2),
                    tf.constant(EPSILON), gradient.get(i)));
        }
        update = tf.withControlDependencies(updates).noOp();
    }

    /**
     * Runs one update with the caller's feeds (the batch) and returns the loss the batch had before it.
     */
    float run(Session.Runner feeds) {
        step++;
        try (TFloat32 b1 = TFloat32.scalarOf((float) Math.pow(BETA1, step));
                TFloat32 b2 = TFloat32.scalarOf((float) Math.pow(BETA2, step));
                Result out = feeds.feed(beta1Power, b1).feed(beta2Power, b2).addTarget(update).fetch(loss).run()) {
            return ((TFloat32) out.get(0)).getFloat();
        }
    }
}
