package io.frameguard.training;

/** Training refused: too few frames to fit a model and calibrate its threshold. */
public class NotEnoughDataException extends IllegalArgumentException {
    public NotEnoughDataException(String message) {
        super(message);
    }
}
