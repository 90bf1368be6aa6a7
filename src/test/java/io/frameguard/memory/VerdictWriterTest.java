package io.frameguard.memory;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A verdict is checked as it is stored: the API's and the CLI's check before anything is read or written. */
class VerdictWriterTest {

    @Test
    void aVerdictIsCheckedAsItIsStored() {
        assertThat(VerdictWriter.problem("frames/0/1", "confirmed", " bearing-wear ", "  ")).as("stripped, blank is none").isNull();
        assertThat(VerdictWriter.problem("frames/0/1", "false-alarm", "", null)).isNull();
        assertThat(VerdictWriter.problem("frames/0/1", null, "x", null)).as("no verdict at all")
                .isEqualTo("verdict must be \"false-alarm\" or \"confirmed\"");
        assertThat(VerdictWriter.problem("frames/0/1", "confirmed", "../etc", null)).startsWith("label must be");
        assertThat(VerdictWriter.problem("frames", "confirmed", null, null)).isEqualTo("eventId must be TOPIC/PARTITION/OFFSET");
        assertThat(VerdictWriter.problem("frames/0/1", "confirmed", null, "n".repeat(1001))).startsWith("note must have");
    }
}
