package io.frameguard.model;

/** A model artifact that must not be served: missing files, unreadable card, checksum mismatch, wrong shape. */
public class InvalidModelException extends java.io.IOException {
    public InvalidModelException(String message) {
        super(message);
    }

    public InvalidModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
