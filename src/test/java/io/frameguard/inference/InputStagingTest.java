package io.frameguard.inference;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The frames' native-memory copy: exactly the call's values, in the machine's order, in memory reused call after call. */
class InputStagingTest {

    private static float[] read(ByteBuffer staged) {
        float[] out = new float[staged.remaining() / Float.BYTES];
        staged.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer().get(out);
        return out;
    }

    @Test
    void stagesTheCallsValuesFromTheirOffsetIntoReusedDirectMemory() {
        float[] values = {1, 2, 3, 4, 5, 6, 7, 8};
        InputStaging staging = new InputStaging();
        ByteBuffer first = staging.stage(values, 2, 4);
        assertThat(first.isDirect()).isTrue();
        assertThat(first.position()).isZero();
        assertThat(first.remaining()).isEqualTo(4 * Float.BYTES);
        assertThat(read(first)).containsExactly(3, 4, 5, 6);

        // a smaller call: the same memory, only its values (none of the call before after them)
        ByteBuffer second = staging.stage(values, 0, 2);
        assertThat(second.remaining()).isEqualTo(2 * Float.BYTES);
        assertThat(read(second)).containsExactly(1, 2);
        assertThat(read(first)).as("the first call's view sees the second call's values: one memory").containsExactly(1, 2, 5, 6);

        // a larger one grows it: new memory, the old views keep what they had
        ByteBuffer third = staging.stage(values, 0, 8);
        assertThat(read(third)).containsExactly(values);
        assertThat(staging.stage(new float[] {9}, 0, 1).capacity()).isEqualTo(8 * Float.BYTES);
        assertThat(read(first)).containsExactly(1, 2, 5, 6);
    }

    @Test
    void aCallOfNoValuesStagesNothing() {
        assertThat(new InputStaging().stage(new float[0], 0, 0).remaining()).isZero();
    }
}
