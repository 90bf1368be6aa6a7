package io.frameguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.events.ChannelError;
import io.frameguard.inference.ScoredFrame;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The explanation columns of {@code frameguard score}'s CSV. */
class ScoreCommandTest {

    /**
     * Channel names come from the training file's header and may hold the list's own separators (a unit after a colon,
     * say): in {@code top_channels} they are percent-encoded, so that the list splits on ';' and each entry on ':' into
     * a name and a share whatever the names; {@code top_channel} is the name as it is (a CSV field).
     */
    @Test
    void topChannelsSplitIntoNamesAndSharesWhateverTheNames() {
        ScoredFrame frame = new ScoredFrame(9.0, 0.999, List.of(new ChannelError(0, "pressure:bar", 8.0, 0.8),
                new ChannelError(3, "flow;in 50%", 1.0, 0.1), new ChannelError(5, "temp, inlet", 0.5, 0.05)), null, null);
        String explanation = ScoreCommand.explanation(frame, false);
        assertThat(explanation).isEqualTo("pressure:bar,\"pressure%3Abar:0.8000;flow%3Bin 50%25:0.1000;temp, inlet:0.0500\"");
        String list = explanation.substring(explanation.indexOf(",\"") + 2, explanation.length() - 1);
        assertThat(list.split(";")).extracting(e -> java.net.URLDecoder.decode(e.split(":")[0].replace("+", "%2B"),
                java.nio.charset.StandardCharsets.UTF_8)).containsExactly("pressure:bar", "flow;in 50%", "temp, inlet");
    }

    /** The help says so, through picocli's formatting of the description (a lone '%' would fail it). */
    @Test
    void theHelpSaysHowNamesAreEncoded() {
        java.io.PrintStream out = System.out;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            assertThat(FrameguardCli.run("score", "--help")).isZero();
            assertThat(FrameguardCli.run("--help")).isZero();
        } finally {
            System.setOut(out);
        }
        assertThat(captured.toString(java.nio.charset.StandardCharsets.UTF_8).replaceAll("\\s+", " "))
                .contains("with '%', ':' and ';' in names percent-encoded");
    }
}
