package io.frameguard.cli;

import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine;

/** Durations as 500ms, 90s, 15m, 6h, 1d, or ISO-8601 (PT6H); 0 for none; never negative. */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        Duration d = parse(value);
        if (d.isNegative()) {
            // no option means anything by a negative duration; taken as given, a schedule of -6h would retrain back to back
            throw new CommandLine.TypeConversionException("'" + value + "' is negative: a duration is 0 or more");
        }
        return d;
    }

    /** A number and a unit (what the service's settings take too, e.g. the chart's scrapeWait). */
    private static final java.util.regex.Pattern NUMBER_AND_UNIT = java.util.regex.Pattern.compile("(-?\\d{1,18})(ms|s|m|h|d)");

    private static Duration parse(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.equals("0")) {
            return Duration.ZERO;
        }
        java.util.regex.Matcher m = NUMBER_AND_UNIT.matcher(v);
        try {
            if (v.startsWith("p") || v.startsWith("-p")) {
                return Duration.parse(value.trim().toUpperCase(Locale.ROOT));
            }
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
            }
        } catch (java.time.format.DateTimeParseException | ArithmeticException e) {
            // said below, as any other value that is no duration
        }
        throw new CommandLine.TypeConversionException("'" + value + "' is not a duration like 500ms, 90s, 15m, 6h, 1d or PT6H");
    }
}
