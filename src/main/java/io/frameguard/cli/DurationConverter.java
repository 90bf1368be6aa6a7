package io.frameguard.cli;

import java.time.Duration;
import picocli.CommandLine;

/**
 * Durations as 500ms, 90s, 15m, 6h, 1d, 1h30m, or ISO-8601 (PT6H); 0 for none; never negative. The Helm chart's
 * schema ({@code definitions.duration} in values.schema.json) admits these forms, so that a value the chart installs
 * never crash-loops the trainer.
 */
class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        Duration d = parse(value);
        if (d.isNegative()) {
            // no option means anything by a negative duration; taken as given, a schedule of -6h would retrain back to back
            throw new CommandLine.TypeConversionException("'" + value + "' is negative: a duration is 0 or more");
        }
        return d;
    }

    /** Parsed as the service's settings are (Quarkus's own parser: 500ms, 90s, 15m, 6h, 1d, PT6H, a number of seconds). */
    private static Duration parse(String value) {
        Duration d;
        try {
            d = io.quarkus.runtime.configuration.DurationConverter.parseDuration(value.trim());
        } catch (RuntimeException e) { // a DateTimeParseException, or an ArithmeticException for a number too large
            d = null;
        }
        if (d == null) { // also an empty value, which the parser answers with null
            throw new CommandLine.TypeConversionException("'" + value + "' is not a duration like 500ms, 90s, 15m, 6h, 1d or PT6H");
        }
        return d;
    }

    /** A duration of at least a second: for waits the trainer measures on its loop, which turns once a second. */
    static final class AtLeastASecond extends DurationConverter {
        @Override
        public Duration convert(String value) {
            Duration d = super.convert(value);
            if (d.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new CommandLine.TypeConversionException("'" + value + "' is under 1s, the least the trainer can wait");
            }
            return d;
        }
    }
}
