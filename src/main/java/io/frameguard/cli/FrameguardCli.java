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
                ModelsCommand.class, VerdictCommand.class, TrainerCommand.class, TailCommand.class, BrokerCommand.class, NativesCommand.class,
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
        // numbers as every file and message of frameguard writes them, with a decimal point, whatever the machine's
        // locale (a German one printed "AUROC 0,9876" beside CSV files written with points)
        java.util.Locale.setDefault(java.util.Locale.Category.FORMAT, java.util.Locale.ROOT);
        CommandLogging.configure(System.getenv());
        CommandLine cl = new CommandLine(command)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(FrameguardCli::userError)
                .setParameterExceptionHandler(FrameguardCli::usageError);
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
     * An option picocli or a command's own checks refuse (a missing or unknown option, a value that does not convert):
     * one line naming it, where to read more, and picocli's suggestions for a mistyped option; exit code 2. Picocli's
     * default printed the whole usage after it, some 40 lines for the trainer, in which the one line was easily missed.
     */
    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        String name = command.getCommandSpec().qualifiedName();
        command.getErr().println(name + ": " + e.getMessage() + " (see " + name + " --help)");
        CommandLine.UnmatchedArgumentException.printSuggestions(e, command.getErr());
        return command.getCommandSpec().exitCodeOnInvalidInput();
    }

    /**
     * A setting that the options' own checks refuse ({@code IllegalArgumentException}, e.g. from
     * {@code TrainingOptions}) is a usage error: its message, which names the setting, and exit code 2, no stack
     * trace. A file that cannot be read or written (the file system's exceptions), or whose content is not what its
     * format or a model needs (a frame file's or a model artifact's refusal, which says which file, line and value), is
     * the user's to fix too: its message, exit code 1. So are the model registry's refusals (no such version, one that
     * does not verify) and a Kafka cluster that does not answer or refuses the credentials ({@link #kafkaProblem}). Anything else keeps picocli's stack trace and exit code 1.
     */
    private static int userError(Exception e, CommandLine command, CommandLine.ParseResult parsed) throws Exception {
        if (e instanceof IllegalArgumentException) {
            command.getErr().println(command.getCommandSpec().qualifiedName() + ": " + e.getMessage());
            return command.getCommandSpec().exitCodeOnInvalidInput();
        }
        String kafka = kafkaProblem(e, command);
        if (kafka != null) {
            command.getErr().println(command.getCommandSpec().qualifiedName() + ": " + kafka);
            return command.getCommandSpec().exitCodeOnExecutionException();
        }
        if (e instanceof io.frameguard.model.ModelRegistry.RefusedException) { // says what the registry holds and why not
            command.getErr().println(command.getCommandSpec().qualifiedName() + ": " + e.getMessage());
            return command.getCommandSpec().exitCodeOnExecutionException();
        }
        if (e instanceof java.nio.file.FileSystemException || e instanceof io.frameguard.datasets.FrameFile.FrameFormatException
                || e instanceof io.frameguard.model.InvalidModelException) {
            java.io.IOException io = (java.io.IOException) e;
            command.getErr().println(command.getCommandSpec().qualifiedName() + ": " + fileProblem(io));
            return command.getCommandSpec().exitCodeOnExecutionException();
        }
        throw e;
    }

    /**
     * A Kafka cluster that did not answer in time or refused the command's credentials, in words that say where the
     * command looked and what to check, or null for any other failure. Kafka's exceptions arrive wrapped (an
     * {@code ExecutionException}, the registry's {@code IOException}), so the whole chain of causes is searched.
     */
    static String kafkaProblem(Throwable e, CommandLine command) {
        CommandLine.Model.OptionSpec servers = command.getCommandSpec().findOption("--bootstrap-servers");
        String where = servers == null ? "the Kafka brokers" : "the Kafka brokers at " + servers.getValue();
        Throwable t = e;
        for (int depth = 0; t != null && depth < MAX_CAUSES; depth++, t = t.getCause()) {
            if (t instanceof org.apache.kafka.common.errors.AuthenticationException) {
                return where + " refused the connection: " + t.getMessage()
                        + (servers == null ? "" : " (check --kafka-config or the KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_* and KAFKA_SSL_* variables)");
            }
            if (t instanceof org.apache.kafka.common.errors.TimeoutException || t instanceof java.util.concurrent.TimeoutException) {
                return "no answer from " + where + " in time (" + t.getMessage() + ")"
                        + (servers == null ? "" : ": is a broker running there? (--bootstrap-servers, or $KAFKA_BOOTSTRAP_SERVERS)");
            }
        }
        return null;
    }

    /** Causes looked through for a Kafka problem (a chain may loop back on itself). */
    private static final int MAX_CAUSES = 16;

    /** What went wrong with a file, in words: the file system's exceptions name the file and little else. */
    static String fileProblem(java.io.IOException e) {
        if (e instanceof java.nio.file.FileSystemException f) {
            String file = f.getFile() + (f.getOtherFile() != null ? " -> " + f.getOtherFile() : "");
            // frameguard's own refusals give their reason; the JDK's mostly give none
            String what = f.getReason() != null ? f.getReason()
                    : f instanceof java.nio.file.NoSuchFileException ? "no such file or directory"
                    : f instanceof java.nio.file.NotDirectoryException ? "not a directory"
                    : f instanceof java.nio.file.AccessDeniedException ? "permission denied"
                    : f instanceof java.nio.file.FileAlreadyExistsException ? "already exists"
                    : f instanceof java.nio.file.DirectoryNotEmptyException ? "directory not empty"
                    : "cannot be used";
            return file + ": " + what;
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = FrameguardCli.class.getPackage().getImplementationVersion();
            return new String[] {"frameguard " + (v != null ? v : "(development build)")};
        }
    }
}
