package io.frameguard.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away test CA and the broker's and a client's PKCS12 key stores signed by it, made with the JDK's
 * keytool (two days' validity, generated per run, never committed). The broker's certificate names 127.0.0.1
 * and localhost, so clients keep hostname verification on.
 */
public record Certificates(Path dir, Path truststore, Path caPem, Path broker, Path client) {

    public static final String PASSWORD = "store-pass-for-tests-only";

    public static Certificates create(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        for (String f : List.of("ca.p12", "ca.pem", "truststore.p12", "broker.p12", "client.p12")) {
            Files.deleteIfExists(dir.resolve(f));
        }
        Path ca = dir.resolve("ca.p12");
        Path caPem = dir.resolve("ca.pem");
        Path truststore = dir.resolve("truststore.p12");
        keytool("-genkeypair", "-alias", "ca", "-dname", "CN=frameguard test CA", "-ext", "bc:c", "-keyalg", "EC",
                "-groupname", "secp256r1", "-validity", "2", "-keystore", ca.toString());
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-file", caPem.toString());
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caPem.toString(), "-keystore", truststore.toString());
        return new Certificates(dir, truststore, caPem, signed(dir, ca, caPem, "broker"), signed(dir, ca, caPem, "client"));
    }

    private static Path signed(Path dir, Path ca, Path caPem, String name) throws IOException, InterruptedException {
        Path store = dir.resolve(name + ".p12");
        Path csr = dir.resolve(name + ".csr");
        Path pem = dir.resolve(name + ".pem");
        keytool("-genkeypair", "-alias", name, "-dname", "CN=" + name, "-keyalg", "EC", "-groupname", "secp256r1",
                "-validity", "2", "-keystore", store.toString());
        keytool("-certreq", "-alias", name, "-keystore", store.toString(), "-file", csr.toString());
        keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-infile", csr.toString(), "-outfile",
                pem.toString(), "-validity", "2", "-ext", "SAN=ip:127.0.0.1,dns:localhost");
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caPem.toString(), "-keystore", store.toString());
        keytool("-importcert", "-alias", name, "-file", pem.toString(), "-keystore", store.toString());
        return store;
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-storetype", "PKCS12", "-storepass", PASSWORD));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool " + String.join(" ", args) + " failed: " + out);
        }
    }
}
