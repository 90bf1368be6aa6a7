package io.frameguard.testing;

import io.frameguard.streams.DetectorDeadLetters;
import io.frameguard.streams.UnjudgeableScore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Streams' processing exception handler under {@link DetectorDriver}: a record the detector refuses
 * ({@link UnjudgeableScore}) is remembered with its reason and passed over, as {@link DetectorDeadLetters} does once
 * its dead letter is written; any other failure fails the test's pipe, so no bug is passed over.
 */
public final class Refusals implements ProcessingExceptionHandler {

    /** A refused record: where it was and why. */
    public record Refusal(String topic, long offset, String reason) {}

    private static final List<Refusal> SEEN = new CopyOnWriteArrayList<>();

    /** The refusals so far, and forgets them. */
    public static List<Refusal> drain() {
        List<Refusal> out = List.copyOf(SEEN);
        SEEN.clear();
        return out;
    }

    @Override
    public ProcessingHandlerResponse handle(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        if (!(exception instanceof UnjudgeableScore u)) {
            return ProcessingHandlerResponse.FAIL;
        }
        SEEN.add(new Refusal(context.topic(), context.offset(), u.reason()));
        return ProcessingHandlerResponse.CONTINUE;
    }

    @Override
    public void configure(Map<String, ?> configs) {
    }
}
