package io.frameguard.bench;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** A benchmark run through {@link BenchCli} as a test runs it short: its exit code and what it printed. */
record BenchRun(int code, String out) {

    static BenchRun of(String... args) {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            int code = BenchCli.commandLine().execute(args);
            return new BenchRun(code, captured.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
        }
    }
}
