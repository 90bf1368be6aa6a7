package io.frameguard.frames;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UntrustedTextTest {

    @Test
    void shownTextIsPrintableAndShort() {
        assertThat(UntrustedText.shown("rollback\nINFO forged log line\u001b[2J", 200)).isEqualTo("rollback?INFO forged log line?[2J");
        assertThat(UntrustedText.shown("x".repeat(300), 200)).hasSize(203).endsWith("...");
        assertThat(UntrustedText.shown(null, 10)).isEmpty();
        assertThat(UntrustedText.shown("application/json", 80)).isEqualTo("application/json");
    }
}
