package io.frameguard.frames;

/**
 * Text that whoever writes to frameguard's topics or calls its API chose (a content type, a registry key, a request
 * path, an activation reason), as it may be shown in a log line or an error message: printable ASCII only (anything
 * else becomes {@code ?}, so no line breaks or terminal controls), and cut to a length.
 */
public final class UntrustedText {

    private UntrustedText() {}

    /** {@code value} printable, at most {@code max} characters and an ellipsis; empty for null. */
    public static String shown(String value, int max) {
        if (value == null) {
            return "";
        }
        String v = value.length() > max ? value.substring(0, max) + "..." : value;
        return v.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
