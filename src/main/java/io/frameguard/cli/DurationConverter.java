package io.frameguard.cli;

import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine;

/** Durations as 90s, 15m, 6h, 1d, or ISO-8601 (PT6H); 0 for none; never negative. */
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

    private static Duration parse(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.equals("0")) {
            return Duration.ZERO;
        }
        if (v.startsWith("p")) {
            return Duration.parse(value.trim().toUpperCase(Locale.ROOT));
        }
        long n = Long.parseLong(v.substring(0, v.length() - 1));
        return switch (v.charAt(v.length() - 1)) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            case 'd' -> Duration.ofDays(n);
            default -> throw new CommandLine.TypeConversionException("'" + value + "' is not a duration like 90s, 15m, 6h, 1d or PT6H");
        };
    }
}
