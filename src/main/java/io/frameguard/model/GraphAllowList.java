package io.frameguard.model;

import io.frameguard.frames.UntrustedText;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.tensorflow.proto.framework.GraphDef;
import org.tensorflow.proto.framework.MetaGraphDef;
import org.tensorflow.proto.framework.NodeDef;
import org.tensorflow.proto.framework.SavedModel;

/**
 * Checks a SavedModel's graph before anything of it runs: loading a SavedModel runs its restore and init
 * operations, and scoring runs whatever the output depends on, so a graph from the registry is code.
 *
 * <p>The rule: every node of every meta graph is one of the operations that frameguard's own trainers export
 * ({@link #ALLOWED}: arithmetic, matrix and convolution operations, variables, the Adam update and the saver);
 * nothing that touches files, the network or the process (ReadFile, WriteFile, PyFunc, ...) and no function
 * library (a function call could hide any operation). The two operations that do touch files, the saver's
 * {@code SaveV2} and {@code RestoreV2}, must take their path from the saver's filename placeholder, which the
 * loader feeds with the model's own {@code variables/} directory, so they cannot name another file.
 *
 * <p>{@code GraphAllowListTest} trains every architecture and fails when a trainer starts exporting an operation
 * this list lacks.
 */
public final class GraphAllowList {

    /** The operations frameguard's trainers export (dense and convolutional, sensor and image heads, training and saver). */
    public static final Set<String> ALLOWED = Set.of(
            "Abs", "Add", "AddN", "ApplyAdam", "Assign", "BiasAdd", "BiasAddGrad", "BroadcastGradientArgs", "BroadcastTo", "Cast",
            "ConcatV2", "Const", "Conv2D", "Conv2DBackpropFilter", "Conv2DBackpropInput", "Div", "DynamicStitch", "Exp",
            "Identity", "MatMul", "Max", "Maximum", "Mean", "Mod", "Mul", "Neg", "NoOp", "OnesLike", "Placeholder", "Prod",
            "Range", "Relu", "ReluGrad", "Reshape", "RestoreV2", "Rsqrt", "SaveV2", "Shape", "Sign", "Size", "Slice", "Split", "Sqrt",
            "Square", "SquaredDifference", "Sub", "Sum", "Tile", "Transpose", "VariableV2", "ZerosLike");
    /** The operations that read or write files; their path must be the saver's filename placeholder. */
    private static final Set<String> FILE_OPS = Set.of("SaveV2", "RestoreV2");
    private static final String SAVED_MODEL_PB = "saved_model.pb";
    /** A saved_model.pb larger than this is refused before parsing (ours are a few hundred KB; weights live apart). */
    static final long MAX_GRAPH_BYTES = 64L << 20;

    private GraphAllowList() {
    }

    /** Refuses ({@link InvalidModelException.Reason#FORBIDDEN_OP}) a SavedModel whose graph breaks the rule. */
    public static void check(Path savedModelDir) throws InvalidModelException {
        SavedModel savedModel = read(savedModelDir.resolve(SAVED_MODEL_PB));
        if (savedModel.getMetaGraphsCount() == 0) {
            throw new InvalidModelException("the SavedModel in " + savedModelDir + " has no graph");
        }
        for (MetaGraphDef metaGraph : savedModel.getMetaGraphsList()) {
            GraphDef graph = metaGraph.getGraphDef();
            if (graph.getLibrary().getFunctionCount() > 0 || graph.getLibrary().getGradientCount() > 0) {
                throw refused(savedModelDir, "a function library (" + graph.getLibrary().getFunctionCount()
                        + " functions); frameguard's trainers export none");
            }
            Set<String> forbidden = new TreeSet<>();
            String filename = nodeOf(metaGraph.getSaverDef().getFilenameTensorName());
            for (NodeDef node : graph.getNodeList()) {
                if (!ALLOWED.contains(node.getOp())) {
                    forbidden.add(node.getOp());
                } else if (FILE_OPS.contains(node.getOp())
                        && (filename.isEmpty() || node.getInputCount() == 0 || !nodeOf(node.getInput(0)).equals(filename))) {
                    throw refused(savedModelDir, "a " + node.getOp() + " operation that does not read its path from the "
                            + "saver's filename placeholder");
                }
            }
            if (!forbidden.isEmpty()) {
                throw refused(savedModelDir, "operations that frameguard's trainers never export: "
                        + String.join(", ", forbidden.stream().map(op -> UntrustedText.shown(op, 64)).toList()));
            }
            if (!filename.isEmpty() && graph.getNodeList().stream()
                    .noneMatch(n -> n.getName().equals(filename) && n.getOp().equals("Placeholder"))) {
                throw refused(savedModelDir, "a saver whose filename tensor is not a placeholder");
            }
        }
    }

    private static SavedModel read(Path pb) throws InvalidModelException {
        try {
            if (Files.size(pb) > MAX_GRAPH_BYTES) {
                throw new InvalidModelException(pb + " is larger than " + MAX_GRAPH_BYTES + " bytes");
            }
            try (InputStream in = Files.newInputStream(pb)) {
                return SavedModel.parseFrom(in);
            }
        } catch (InvalidModelException e) {
            throw e;
        } catch (IOException e) {
            throw new InvalidModelException("unreadable SavedModel graph " + pb + ": " + e.getMessage(), e);
        }
    }

    /** The node a tensor or control input names: "save/filename:0" and "^save/filename" are "save/filename". */
    private static String nodeOf(String tensor) {
        String t = tensor.startsWith("^") ? tensor.substring(1) : tensor;
        int colon = t.lastIndexOf(':');
        return colon < 0 ? t : t.substring(0, colon);
    }

    private static InvalidModelException refused(Path dir, String what) {
        return new InvalidModelException(InvalidModelException.Reason.FORBIDDEN_OP,
                "refused the SavedModel in " + dir + ": its graph has " + what);
    }
}
