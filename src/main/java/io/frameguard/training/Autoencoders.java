package io.frameguard.training;

import io.frameguard.frames.ImageGeometry;
import io.frameguard.model.ModelCard;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** The autoencoder networks the trainer builds: input and reconstruction are [-1, dim], channels last for images. */
final class Autoencoders {

    /** Filters of the first convolution when {@code --hidden} is not given; the second has twice as many. */
    static final int DEFAULT_CONV_FILTERS = 16;
    /** Bottleneck width for images when {@code --latent} is not given. */
    static final int DEFAULT_IMAGE_LATENT = 32;
    private static final int KERNEL = 3;
    private static final String SAME = "SAME";

    /** A built network: its reconstruction of the input, its latent code (the bottleneck) and how the card describes it. */
    record Network(Operand<TFloat32> reconstruction, Operand<TFloat32> code, ModelCard.Architecture architecture) {}

    private Autoencoders() {
    }

    /** Fully connected layers of the given widths (input first and last), ReLU between, linear output. */
    static Network dense(Ops tf, Operand<TFloat32> x, int[] layers, Random random, List<Variable<TFloat32>> weights) {
        return dense(tf, x, layers, TrainingOptions.RELU, random, weights);
    }

    /**
     * Fully connected layers of the given widths (input first and last), {@code activation} between ({@code relu} or
     * {@code linear}: none), linear output.
     */
    static Network dense(Ops tf, Operand<TFloat32> x, int[] layers, String activation, Random random,
            List<Variable<TFloat32>> weights) {
        boolean relu = TrainingOptions.RELU.equals(activation);
        Operand<TFloat32> h = x;
        Operand<TFloat32> code = null;
        int bottleneck = layers.length / 2; // layers are symmetric: the middle one is the narrowest
        for (int i = 0; i + 1 < layers.length; i++) {
            h = denseLayer(tf, h, layers[i], layers[i + 1], random, weights);
            if (i + 1 == bottleneck) {
                code = h; // before the activation: ReLU would zero part of it
            }
            if (relu && i + 2 < layers.length) {
                h = tf.nn.relu(h);
            }
        }
        return new Network(h, code, new ModelCard.Architecture("dense-autoencoder", layers, activation));
    }

    /**
     * A sensor window ([-1, steps * channels], time-major) with every step's channel vector through the same dense
     * autoencoder ({@code layers}, the channel count first and last): a 1x1 convolution over time. It learns how the
     * channels move together at one instant, so a channel that stops agreeing with the others, or changes its level,
     * rhythm or shape, cannot be reconstructed from them. The code is per step: [-1 * steps, latent].
     */
    static Network channels(Ops tf, Operand<TFloat32> x, int dim, int[] layers, String activation, Random random,
            List<Variable<TFloat32>> weights) {
        Operand<TFloat32> perStep = tf.reshape(x, tf.constant(new int[] {-1, layers[0]}));
        Network mixed = dense(tf, perStep, layers, activation, random, weights);
        Operand<TFloat32> reconstruction = tf.reshape(mixed.reconstruction(), tf.constant(new int[] {-1, dim}));
        return new Network(reconstruction, mixed.code(), new ModelCard.Architecture("channels-autoencoder", layers, activation));
    }

    /**
     * Two stride-2 3x3 convolutions (f and 2f filters, ReLU), a dense bottleneck, and the mirror image with
     * transposed convolutions back to the input's size; linear output.
     */
    static Network conv(Ops tf, Operand<TFloat32> x, ImageGeometry image, TrainingOptions options, Random random,
            List<Variable<TFloat32>> weights) {
        int f1 = options.hidden() > 0 ? options.hidden() : DEFAULT_CONV_FILTERS;
        int f2 = 2 * f1;
        int z = options.latent() > 0 ? options.latent() : DEFAULT_IMAGE_LATENT;
        int w = image.width();
        int h = image.height();
        int c = image.channels();
        int flat = (w / 4) * (h / 4) * f2;
        Operand<TFloat32> in = tf.reshape(x, tf.constant(new int[] {-1, h, w, c}));
        Operand<TFloat32> e1 = tf.nn.relu(convLayer(tf, in, c, f1, random, weights));
        Operand<TFloat32> e2 = tf.nn.relu(convLayer(tf, e1, f1, f2, random, weights));
        Operand<TFloat32> code = denseLayer(tf, tf.reshape(e2, tf.constant(new int[] {-1, flat})), flat, z, random, weights);
        Operand<TFloat32> d2 = tf.nn.relu(denseLayer(tf, code, z, flat, random, weights));
        Operand<TFloat32> d2map = tf.reshape(d2, tf.constant(new int[] {-1, h / 4, w / 4, f2}));
        Operand<TFloat32> d1 = tf.nn.relu(deconvLayer(tf, d2map, f2, f1, h / 2, w / 2, random, weights));
        Operand<TFloat32> out = deconvLayer(tf, d1, f1, c, h, w, random, weights);
        Operand<TFloat32> reconstruction = tf.reshape(out, tf.constant(new int[] {-1, image.dim()}));
        return new Network(reconstruction, code, new ModelCard.Architecture("conv-autoencoder", new int[] {c, f1, f2, z}, "relu"));
    }

    private static Operand<TFloat32> denseLayer(Ops tf, Operand<TFloat32> in, int from, int to, Random random,
            List<Variable<TFloat32>> weights) {
        Variable<TFloat32> w = tf.variable(tf.constant(glorot(from, to, from, to, random)));
        Variable<TFloat32> b = tf.variable(tf.constant(new float[to]));
        weights.add(w);
        weights.add(b);
        return tf.math.add(tf.linalg.matMul(in, w), b);
    }

    private static Operand<TFloat32> convLayer(Ops tf, Operand<TFloat32> in, int from, int to, Random random,
            List<Variable<TFloat32>> weights) {
        Variable<TFloat32> k = tf.variable(tf.constant(kernel(from, to, random)));
        Variable<TFloat32> b = tf.variable(tf.constant(new float[to]));
        weights.add(k);
        weights.add(b);
        return tf.nn.biasAdd(tf.nn.conv2d(in, k, Arrays.asList(1L, 2L, 2L, 1L), SAME), b);
    }

    /** Transposed stride-2 convolution from {@code from} to {@code to} channels, output {@code h x w}. */
    private static Operand<TFloat32> deconvLayer(Ops tf, Operand<TFloat32> in, int from, int to, int h, int w,
            Random random, List<Variable<TFloat32>> weights) {
        // conv2dBackpropInput's filter is [k, k, out channels, in channels] and it needs the output's full shape
        Variable<TFloat32> k = tf.variable(tf.constant(kernel(to, from, random)));
        Variable<TFloat32> b = tf.variable(tf.constant(new float[to]));
        weights.add(k);
        weights.add(b);
        Operand<TInt32> batch = tf.slice(tf.shape(in), tf.constant(new int[] {0}), tf.constant(new int[] {1}));
        Operand<TInt32> outShape = tf.concat(List.of(batch, tf.constant(new int[] {h, w, to})), tf.constant(0));
        return tf.nn.biasAdd(tf.nn.conv2dBackpropInput(outShape, k, in, Arrays.asList(1L, 2L, 2L, 1L), SAME), b);
    }

    private static float[][][][] kernel(int in, int out, Random random) {
        float[][][][] k = new float[KERNEL][KERNEL][in][out];
        int fanIn = KERNEL * KERNEL * in;
        int fanOut = KERNEL * KERNEL * out;
        for (float[][][] row : k) {
            for (float[][] cell : row) {
                float[][] g = glorot(in, out, fanIn, fanOut, random);
                for (int i = 0; i < in; i++) {
                    cell[i] = g[i];
                }
            }
        }
        return k;
    }

    /** Glorot-uniform weights for a [rows, cols] matrix of a layer with the given fans. */
    private static float[][] glorot(int rows, int cols, int fanIn, int fanOut, Random random) {
        double limit = Math.sqrt(6.0 / (fanIn + fanOut));
        float[][] w = new float[rows][cols];
        for (float[] row : w) {
            for (int j = 0; j < cols; j++) {
                row[j] = (float) ((random.nextDouble() * 2 - 1) * limit);
            }
        }
        return w;
    }
}
