package io.frameguard.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * The {@code frameguard} launcher's commands. {@code serve} (the Quarkus service) is started by the launcher script
 * from the packaged service jar ({@link ServeCommand} documents it and can start it too); every other command runs
 * here, without starting Quarkus. {@code generate-completion} prints a bash/zsh completion script.
 */
@Command(name = "frameguard",
        mixinStandardHelpOptions = true,
        versionProvider = FrameguardCli.Version.class,
        description = "Streaming anomaly detection with autoencoders on Kafka.",
        subcommands = {ServeCommand.class, TrainCommand.class, ScoreCommand.class, GenerateCommand.class, DemoCommand.class,
                ModelsCommand.class, VerdictCommand.class, TrainerCommand.class, TailCommand.class, NativesCommand.class,
                CommandLine.HelpCommand.class, picocli.AutoComplete.GenerateCompletion.class})
public final class FrameguardCli {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code (tests call this instead of {@link #main}). */
    public static int run(String... args) {
        return commandLine(new FrameguardCli()).execute(args);
    }

    /** A command line for {@code command} with frameguard's conventions (the benchmarks' launcher uses it too). */
    public static CommandLine commandLine(Object command) {
        // DJL must never reach for the network: the model and the TensorFlow library are local.
        System.setProperty("ai.djl.offline", "true");
        CommandLogging.configure(System.getenv());
        CommandLine cl = new CommandLine(command)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(FrameguardCli::invalidSetting);
        CommandLine serve = cl.getSubcommands().get("serve");
        if (serve != null) {
            serve.getCommandSpec().usageMessage().footer(ServeCommand.settings());
            serve.setUsageHelpWidth(ServeCommand.HELP_WIDTH);
        }
        CommandLine completion = cl.getSubcommands().get("generate-completion");
        if (completion != null) { // `source <(frameguard generate-completion)`; shown in --help
            completion.getCommandSpec().usageMessage().hidden(false);
        }
        return cl;
    }

    /**
     * A setting that the options' own checks refuse ({@code IllegalArgumentException}, e.g. from
     * {@code TrainingOptions}) is a usage error: its message, which names the setting, and exit code 2, no stack
     * trace. Anything else is a failure and keeps picocli's stack trace and exit code 1.
     */
    private static int invalidSetting(Exception e, CommandLine command, CommandLine.ParseResult parsed) throws Exception {
        if (e instanceof IllegalArgumentException) {
            command.getErr().println("frameguard " + command.getCommandName() + ": " + e.getMessage());
            return command.getCommandSpec().exitCodeOnInvalidInput();
        }
        throw e;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = FrameguardCli.class.getPackage().getImplementationVersion();
            return new String[] {"frameguard " + (v != null ? v : "(development build)")};
        }
    }
}
