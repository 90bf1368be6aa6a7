package io.frameguard.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class ModelCardTest {

    @Test
    void aScoringSectionFromBeforeTheStructuralMapReadsAsWithoutIt() throws Exception {
        ModelCard.Scoring s = new ObjectMapper().readValue("""
                {"kind":"smoothed-variance-normalised","smoothingSigma":1.0,"pixelVariance":true,
                 "varianceFloor":0.1,"calibrationFrames":600}""", ModelCard.Scoring.class);
        assertThat(s.structuralWeight()).isZero();
        assertThat(s.calibrationFrames()).isEqualTo(600);
    }
}
