package io.frameguard.serving;

import io.frameguard.config.FrameguardConfig;
import io.frameguard.frames.FrameDecoders;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The frame decoders of the service, as {@code frameguard.frames.*} configures them: for the scorer and the API alike. */
@ApplicationScoped
public class FrameDecodersProducer {

    @Produces
    @Singleton
    FrameDecoders frameDecoders(FrameguardConfig config) {
        FrameguardConfig.Frames f = config.frames();
        return FrameDecoders.standard(f.defaultContentType(), f.maxBytes(), f.maxImagePixels(), f.maxKeyBytes(),
                f.maxDecodedImageBytes());
    }
}
