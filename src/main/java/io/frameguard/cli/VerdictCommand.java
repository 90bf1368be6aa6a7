package io.frameguard.cli;

import io.frameguard.events.Topics;
import io.frameguard.events.Verdict;
import io.frameguard.memory.FrameSources;
import io.frameguard.memory.VerdictWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code frameguard verdict EVENT_ID --verdict ...}: an operator's verdict on an anomaly event, from the command line. */
@Command(name = "verdict", mixinStandardHelpOptions = true,
        description = "Mark an anomaly event a false alarm or confirmed (with a label), on the verdicts topic.")
final class VerdictCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    KafkaConnection kafka;

    @Parameters(paramLabel = "EVENT_ID", description = "The event's id: TOPIC/PARTITION/OFFSET of its frame (the event's eventId).")
    String eventId;

    @Option(names = "--verdict", required = true, paramLabel = Verdict.FALSE_ALARM + "|" + Verdict.CONFIRMED,
            description = "What the anomaly was.")
    String verdict;

    @Option(names = "--label", description = "What it was, for confirmed anomalies (e.g. bearing-wear): 1-64 letters, "
            + "digits, '.', '_', '-' or spaces.")
    String label;

    @Option(names = "--note", description = "Free text for people (at most " + Verdict.MAX_NOTE + " characters).")
    String note;

    @Option(names = "--verdicts-topic", defaultValue = Topics.DEFAULT_VERDICTS, description = "Verdicts topic (default: ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--frames-topic", defaultValue = Topics.DEFAULT_FRAMES,
            description = "Frames topic, where the event's frame names its source (default: ${DEFAULT-VALUE}).")
    String framesTopic;

    @Override
    public Integer call() throws Exception {
        CommandLogging.quietConnecting(System.getenv()); // runs once: a broker that does not answer is one line
        try (VerdictWriter writer = new VerdictWriter(kafka.clientConfig(), Topics.verdicts(topic));
                FrameSources frames = new FrameSources(kafka.clientConfig(), framesTopic)) {
            // checked first, so that a malformed one is refused without reading the frame
            String problem = VerdictWriter.problem(eventId, verdict, label, note);
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
            // the frame's source lets every replica find the event's incident, which lists its first and newest events only
            FrameSources.Lookup frame = frames.sourceOf(eventId);
            if (frame.passing()) { // written without it, the verdict might never reach the event's incident
                if (frame.cause() != null) { // a cluster that does not answer, said as every command says it
                    throw new java.io.IOException(frame.problem() + ": nothing written", frame.cause());
                }
                System.err.println("frameguard verdict: " + frame.problem() + ": nothing written, try again");
                return 1;
            }
            if (frame.ahead()) { // a verdict there would judge whatever frame comes to be written at that offset
                throw new IllegalArgumentException(frame.problem() + ": nothing written");
            }
            if (frame.problem() != null) {
                System.err.println("frameguard verdict: " + frame.problem() + ": the verdict applies only if an incident "
                        + "lists this event");
            }
            Verdict v = writer.write(eventId, verdict, label, note, System.getProperty("user.name", "cli"), frame.source());
            System.out.printf("%s: %s%s%s%n", v.eventId(), v.verdict(), v.label() == null ? "" : " (" + v.label() + ")",
                    v.source() == null ? "" : ", an event of " + v.source());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        return 0;
    }
}
