package io.frameguard.training;

import io.frameguard.frames.ImageGeometry;
import io.frameguard.model.ModelCard;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
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
    /** Steps each temporal convolution sees: about half the fast rhythm of a machine. */
    static final int TEMPORAL_KERNEL = 5;
    private static final String SAME = "SAME";

    /**
     * A built network: its reconstruction of the input, its latent code (the bottleneck) and how the card describes it.
     * A variational one also has the reconstruction it learns from (of a sampled code), the term its loss adds (the
     * KL divergence of its codes from the prior) and the placeholder its samples' noise is fed to; null for the others.
     */
    record Network(Operand<TFloat32> reconstruction, Operand<TFloat32> code, ModelCard.Architecture architecture,
            Operand<TFloat32> trainingReconstruction, Operand<TFloat32> extraLoss, Placeholder<TFloat32> noise) {

        Network(Operand<TFloat32> reconstruction, Operand<TFloat32> code, ModelCard.Architecture architecture) {
            this(reconstruction, code, architecture, null, null, null);
        }
    }

    /** Name of a variational model's training-only input: standard normal noise, one value per latent unit. */
    static final String NOISE_INPUT_NAME = "latent_noise";

    private Autoencoders() {
    }

    /** Fully connected layers of the given widths (input first and last), ReLU between but at the code, linear output. */
    static Network dense(Ops tf, Operand<TFloat32> x, int[] layers, Random random, List<Variable<TFloat32>> weights) {
        return dense(tf, x, layers, TrainingOptions.RELU, random, weights);
    }

    /**
     * Fully connected layers of the given widths (input first and last), {@code activation} between ({@code relu} or
     * {@code linear}: none) but at the code (the bottleneck, linear), linear output.
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
                code = h;
            }
            // the code stays linear: a unit ReLU left at zero is a dead latent dimension, and with a bottleneck of two
            // or three units a model that lost one reconstructs a shadow of its data (loss stuck, from some seeds)
            if (relu && i + 2 < layers.length && i + 1 != bottleneck) {
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

    /**
     * A variational autoencoder (Kingma and Welling, 2014) with fully connected layers {@code dim, h, z, h, dim}: the
     * encoder gives each frame a mean and a log variance per latent unit; training decodes a sample (mean plus the
     * standard deviation times noise fed from outside the graph, so the exported graph holds no random operation and a
     * seed repeats the training) and adds the KL divergence from the standard normal prior, per value like the
     * reconstruction error; the exported reconstruction decodes the mean, so a frame's score is deterministic.
     */
    static Network variational(Ops tf, Operand<TFloat32> x, int[] layers, Random random, List<Variable<TFloat32>> weights) {
        int dim = layers[0];
        int h = layers[1];
        int z = layers[2];
        Operand<TFloat32> hidden = tf.nn.relu(denseLayer(tf, x, dim, h, random, weights));
        Operand<TFloat32> mean = denseLayer(tf, hidden, h, z, random, weights);
        Operand<TFloat32> logVariance = denseLayer(tf, hidden, h, z, random, weights);
        Placeholder<TFloat32> noise = tf.withName(NOISE_INPUT_NAME).placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, z)));
        Operand<TFloat32> sample = tf.math.add(mean, tf.math.mul(tf.math.exp(tf.math.mul(tf.constant(0.5f), logVariance)), noise));
        // one decoder, its weights shared by the mean's reconstruction and the sample's
        Variable<TFloat32> w1 = tf.variable(tf.constant(glorot(z, h, z, h, random)));
        Variable<TFloat32> b1 = tf.variable(tf.constant(new float[h]));
        Variable<TFloat32> w2 = tf.variable(tf.constant(glorot(h, dim, h, dim, random)));
        Variable<TFloat32> b2 = tf.variable(tf.constant(new float[dim]));
        weights.addAll(List.of(w1, b1, w2, b2));
        java.util.function.Function<Operand<TFloat32>, Operand<TFloat32>> decode = code -> tf.math.add(tf.linalg.matMul(
                tf.nn.relu(tf.math.add(tf.linalg.matMul(code, w1), b1)), w2), b2);
        // KL(N(mean, var) || N(0, 1)) = -1/2 sum(1 + log var - mean^2 - var), per frame, then per value of the frame
        Operand<TFloat32> kl = tf.math.mul(tf.constant(-0.5f / dim), tf.math.mean(tf.reduceSum(tf.math.sub(tf.math.sub(
                tf.math.add(tf.constant(1f), logVariance), tf.math.square(mean)), tf.math.exp(logVariance)),
                tf.constant(new int[] {1})), tf.constant(new int[] {0})));
        return new Network(decode.apply(mean), mean, new ModelCard.Architecture("variational-autoencoder", layers, "relu"),
                decode.apply(sample), kl, noise);
    }

    /**
     * A sensor window ([-1, steps * channels], time-major) through 1-D convolutions over time that mix the channels: two
     * stride-2 convolutions of {@value #TEMPORAL_KERNEL} steps (f and 2f filters, ReLU), a dense bottleneck, and the
     * mirror image with transposed convolutions back to the window; linear output. It learns each channel's rhythm and
     * shape over a few steps together with the others', for faults that change how a channel moves.
     */
    static Network temporal(Ops tf, Operand<TFloat32> x, int channels, int steps, TrainingOptions options, Random random,
            List<Variable<TFloat32>> weights) {
        int f1 = options.hidden() > 0 ? options.hidden() : 2 * channels;
        int f2 = 2 * f1;
        int z = options.latent() > 0 ? options.latent() : DEFAULT_IMAGE_LATENT;
        int flat = (steps / 4) * f2;
        Operand<TFloat32> in = tf.reshape(x, tf.constant(new int[] {-1, steps, 1, channels}));
        Operand<TFloat32> e1 = tf.nn.relu(convLayer(tf, in, TEMPORAL_KERNEL, 1, 2, channels, f1, random, weights));
        Operand<TFloat32> e2 = tf.nn.relu(convLayer(tf, e1, TEMPORAL_KERNEL, 1, 2, f1, f2, random, weights));
        Operand<TFloat32> code = denseLayer(tf, tf.reshape(e2, tf.constant(new int[] {-1, flat})), flat, z, random, weights);
        Operand<TFloat32> d2 = tf.nn.relu(denseLayer(tf, code, z, flat, random, weights));
        Operand<TFloat32> d2map = tf.reshape(d2, tf.constant(new int[] {-1, steps / 4, 1, f2}));
        Operand<TFloat32> d1 = tf.nn.relu(deconvLayer(tf, d2map, TEMPORAL_KERNEL, 1, f2, f1, steps / 2, 1, random, weights));
        Operand<TFloat32> out = deconvLayer(tf, d1, TEMPORAL_KERNEL, 1, f1, channels, steps, 1, random, weights);
        Operand<TFloat32> reconstruction = tf.reshape(out, tf.constant(new int[] {-1, steps * channels}));
        return new Network(reconstruction, code, new ModelCard.Architecture("temporal-autoencoder",
                new int[] {channels, f1, f2, z}, "relu"));
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
        return convLayer(tf, in, KERNEL, KERNEL, 2, from, to, random, weights);
    }

    /** A {@code kh x kw} convolution from {@code from} to {@code to} channels, stride 2 along each side longer than 1. */
    private static Operand<TFloat32> convLayer(Ops tf, Operand<TFloat32> in, int kh, int kw, int stride, int from, int to,
            Random random, List<Variable<TFloat32>> weights) {
        Variable<TFloat32> k = tf.variable(tf.constant(kernel(kh, kw, from, to, random)));
        Variable<TFloat32> b = tf.variable(tf.constant(new float[to]));
        weights.add(k);
        weights.add(b);
        return tf.nn.biasAdd(tf.nn.conv2d(in, k, strides(kh, kw, stride), SAME), b);
    }

    private static List<Long> strides(int kh, int kw, int stride) {
        return Arrays.asList(1L, kh > 1 ? (long) stride : 1L, kw > 1 ? (long) stride : 1L, 1L);
    }

    /** Transposed stride-2 convolution from {@code from} to {@code to} channels, output {@code h x w}. */
    private static Operand<TFloat32> deconvLayer(Ops tf, Operand<TFloat32> in, int from, int to, int h, int w,
            Random random, List<Variable<TFloat32>> weights) {
        return deconvLayer(tf, in, KERNEL, KERNEL, from, to, h, w, random, weights);
    }

    /** Transposed {@code kh x kw} stride-2 convolution from {@code from} to {@code to} channels, output {@code h x w}. */
    private static Operand<TFloat32> deconvLayer(Ops tf, Operand<TFloat32> in, int kh, int kw, int from, int to, int h, int w,
            Random random, List<Variable<TFloat32>> weights) {
        // conv2dBackpropInput's filter is [k, k, out channels, in channels] and it needs the output's full shape
        Variable<TFloat32> k = tf.variable(tf.constant(kernel(kh, kw, to, from, random)));
        Variable<TFloat32> b = tf.variable(tf.constant(new float[to]));
        weights.add(k);
        weights.add(b);
        Operand<TInt32> batch = tf.slice(tf.shape(in), tf.constant(new int[] {0}), tf.constant(new int[] {1}));
        Operand<TInt32> outShape = tf.concat(List.of(batch, tf.constant(new int[] {h, w, to})), tf.constant(0));
        return tf.nn.biasAdd(tf.nn.conv2dBackpropInput(outShape, k, in, strides(kh, kw, 2), SAME), b);
    }

    private static float[][][][] kernel(int kh, int kw, int in, int out, Random random) {
        float[][][][] k = new float[kh][kw][in][out];
        int fanIn = kh * kw * in;
        int fanOut = kh * kw * out;
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
