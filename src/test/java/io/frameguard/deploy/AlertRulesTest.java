package io.frameguard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.testing.ExternalTool;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The shipped alert rules, checked and unit-tested with Prometheus' own promtool. */
class AlertRulesTest {

    static final Path RULES = ExternalTool.repo().resolve("helm/frameguard/files/frameguard-alerts.yaml");
    /** Where the alerts' runbooks are, as GitHub shows docs/DEPLOY.md (one heading per alert). */
    static final String RUNBOOKS = "https://github.com/frameguard/frameguard/blob/main/docs/DEPLOY.md#";
    private static final Path TESTS = ExternalTool.repo().resolve("src/test/resources/alerts/frameguard-alerts.test.yaml");

    @Test
    void rulesAreValidAndEachAlertFiresOnlyWhenItShould() throws Exception {
        String promtool = ExternalTool.require("promtool", "apt-get install prometheus");
        Path dir = Files.createTempDirectory("alerts");
        Files.copy(RULES, dir.resolve(RULES.getFileName()));
        Files.copy(TESTS, dir.resolve(TESTS.getFileName()));

        ExternalTool.Run check = ExternalTool.run(dir, 60, promtool, "check", "rules", RULES.getFileName().toString());
        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(check.output()).contains("SUCCESS: 10 rules found");

        ExternalTool.Run test = ExternalTool.run(dir, 120, promtool, "test", "rules", TESTS.getFileName().toString());
        assertThat(test.exitCode()).as(test.output()).isZero();

        // every alert in the file has a test case
        String rules = Files.readString(RULES);
        String tests = Files.readString(TESTS);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("- alert: (\\w+)").matcher(rules);
        String deploy = Files.readString(ExternalTool.repo().resolve("docs/DEPLOY.md"));
        int alerts = 0;
        while (m.find()) {
            alerts++;
            assertThat(tests).as("a promtool test for %s", m.group(1)).contains("alertname: " + m.group(1));
            // a runbook: the alert's runbook_url points at its own heading in docs/DEPLOY.md
            assertThat(rules).contains("runbook_url: \"" + RUNBOOKS + m.group(1).toLowerCase(java.util.Locale.ROOT) + "\"");
            assertThat(deploy).as("runbook heading for %s", m.group(1)).contains("\n#### " + m.group(1) + "\n");
        }
        assertThat(alerts).isEqualTo(10);
        assertThat(rules.split("runbook_url:", -1)).as("one runbook per alert").hasSize(alerts + 1);
    }
}
