package io.frameguard.testing;

import com.google.protobuf.ByteString;
import io.frameguard.model.ModelArtifact;
import io.frameguard.model.ModelCard;
import io.frameguard.model.ModelTrust;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.apache.commons.io.FileUtils;
import org.tensorflow.proto.framework.AttrValue;
import org.tensorflow.proto.framework.DataType;
import org.tensorflow.proto.framework.GraphDef;
import org.tensorflow.proto.framework.MetaGraphDef;
import org.tensorflow.proto.framework.NodeDef;
import org.tensorflow.proto.framework.SavedModel;
import org.tensorflow.proto.framework.TensorProto;

/**
 * What a writer of the model registry could make of a real artifact: the same model with its graph edited and
 * its card resealed (a self-consistent checksum, as anyone can compute), so only the checks that look inside the
 * graph, at the registry's records or at a signature can tell it from the real one.
 */
public final class TamperedModels {

    private TamperedModels() {
    }

    /** A copy of {@code original} in {@code dir} whose graph {@code edit} changed, resealed under {@code version}. */
    public static ModelArtifact withGraph(ModelArtifact original, Path dir, String version, UnaryOperator<GraphDef> edit)
            throws IOException {
        FileUtils.copyDirectory(original.dir().toFile(), dir.toFile());
        Files.deleteIfExists(dir.resolve(ModelTrust.SIGNATURE_FILE));
        Path pb = dir.resolve(ModelArtifact.SAVED_MODEL_DIR).resolve("saved_model.pb");
        SavedModel model = SavedModel.parseFrom(Files.readAllBytes(pb));
        SavedModel.Builder edited = model.toBuilder();
        for (int i = 0; i < model.getMetaGraphsCount(); i++) {
            MetaGraphDef meta = model.getMetaGraphs(i);
            edited.setMetaGraphs(i, meta.toBuilder().setGraphDef(edit.apply(meta.getGraphDef())));
        }
        Files.write(pb, edited.build().toByteArray());
        ModelCard c = original.card();
        return ModelArtifact.seal(dir, new ModelCard(c.cardVersion(), c.name(), version, c.createdAt(), c.input(),
                c.preprocessing(), c.architecture(), c.training(), c.threshold(), c.scoring(), c.signature(), c.comparison(), c.selection(),
                c.checksum()));
    }

    /** Adds a {@code ReadFile} of {@code path} to the graph: the operation a hostile graph would run on load. */
    public static GraphDef readingFile(GraphDef graph, String path) {
        NodeDef filename = NodeDef.newBuilder().setName("tampered/path").setOp("Const")
                .putAttr("dtype", AttrValue.newBuilder().setType(DataType.DT_STRING).build())
                .putAttr("value", AttrValue.newBuilder().setTensor(TensorProto.newBuilder().setDtype(DataType.DT_STRING)
                        .addStringVal(ByteString.copyFromUtf8(path))).build())
                .build();
        NodeDef read = NodeDef.newBuilder().setName("tampered/read").setOp("ReadFile").addInput("tampered/path").build();
        return graph.toBuilder().addNode(filename).addNode(read).build();
    }

    /** Rewires the saver's {@code SaveV2} to write wherever {@code path} says instead of the model's own directory. */
    public static GraphDef savingTo(GraphDef graph, String path) {
        GraphDef.Builder b = graph.toBuilder();
        NodeDef target = NodeDef.newBuilder().setName("tampered/prefix").setOp("Const")
                .putAttr("dtype", AttrValue.newBuilder().setType(DataType.DT_STRING).build())
                .putAttr("value", AttrValue.newBuilder().setTensor(TensorProto.newBuilder().setDtype(DataType.DT_STRING)
                        .addStringVal(ByteString.copyFromUtf8(path))).build())
                .build();
        for (int i = 0; i < b.getNodeCount(); i++) {
            if (b.getNode(i).getOp().equals("SaveV2")) {
                b.setNode(i, b.getNode(i).toBuilder().setInput(0, "tampered/prefix"));
            }
        }
        return b.addNode(target).build();
    }
}
