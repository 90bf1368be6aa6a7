package io.frameguard;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What docs/ARCHITECTURE.md says of the packages holds in the code: each product package uses only the packages its
 * {@code package-info.java} says it may depend on ("May depend on: ..."), and no packages depend on each other in a
 * cycle. Comments are left out: naming a class in a comment is no dependency.
 */
class PackageDependenciesTest {

    private static final Path PRODUCT = Path.of("src/main/java/io/frameguard");
    private static final Pattern USE = Pattern.compile("\\bio\\.frameguard\\.(\\w+)\\.");
    private static final Pattern MAY_DEPEND = Pattern.compile("May depend on:(.*?)\\*/", Pattern.DOTALL);
    private static final Pattern CODE = Pattern.compile("\\{@code (\\w+)\\}");
    /**
     * A string or character literal, or a comment, whichever starts first: strings go first, so that a {@code "/*"} or a
     * {@code "http://"} in one starts no comment, and a quote in a comment starts no string.
     */
    private static final Pattern COMMENT = Pattern.compile(
            "\"(?:\\\\.|[^\"\\\\\\n])*\"|'(?:\\\\.|[^'\\\\\\n])'|/\\*.*?\\*/|//[^\\n]*", Pattern.DOTALL);

    @Test
    void everyPackageUsesOnlyWhatItsPackageInfoAllowsAndThereAreNoCycles() throws IOException {
        Map<String, Set<String>> uses = uses();
        assertThat(uses).as("the product's packages").containsKeys("events", "scoring", "detection", "cli");
        List<String> beyond = new ArrayList<>();
        for (var e : uses.entrySet()) {
            String info = Files.readString(PRODUCT.resolve(e.getKey()).resolve("package-info.java"));
            Matcher m = MAY_DEPEND.matcher(info);
            assertThat(m.find()).as("%s/package-info.java says what it may depend on", e.getKey()).isTrue();
            if (m.group(1).contains("every product package")) {
                continue;
            }
            Set<String> allowed = new TreeSet<>();
            Matcher named = CODE.matcher(m.group(1));
            while (named.find()) {
                allowed.add(named.group(1));
            }
            for (String used : e.getValue()) {
                if (!allowed.contains(used)) {
                    beyond.add(e.getKey() + " uses " + used);
                }
            }
        }
        assertThat(beyond).as("dependencies their package-info does not allow").isEmpty();
        assertThat(cycle(uses)).as("a cycle of packages").isEmpty();
    }

    /** Per product package, the other product packages its code (not its comments) names. */
    private static Map<String, Set<String>> uses() throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        try (Stream<Path> packages = Files.list(PRODUCT)) {
            for (Path dir : packages.filter(Files::isDirectory).toList()) {
                String name = dir.getFileName().toString();
                Set<String> used = new TreeSet<>();
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                        // literals kept as empty ones, comments gone
                        Matcher m = USE.matcher(COMMENT.matcher(Files.readString(f))
                                .replaceAll(r -> r.group().startsWith("/") ? "" : "\"\""));
                        while (m.find()) {
                            if (!m.group(1).equals(name)) {
                                used.add(m.group(1));
                            }
                        }
                    }
                }
                uses.put(name, used);
            }
        }
        return uses;
    }

    /** A cycle among the packages (each one's uses), as the packages along it; empty when there is none. */
    private static List<String> cycle(Map<String, Set<String>> uses) {
        Map<String, Integer> state = new TreeMap<>(); // 1: on the current path, 2: done
        for (String start : uses.keySet()) {
            Deque<String> path = new ArrayDeque<>();
            List<String> found = visit(start, uses, state, path);
            if (!found.isEmpty()) {
                return found;
            }
        }
        return List.of();
    }

    private static List<String> visit(String p, Map<String, Set<String>> uses, Map<String, Integer> state, Deque<String> path) {
        Integer s = state.get(p);
        if (s != null && s == 2) {
            return List.of();
        }
        if (s != null && s == 1) {
            List<String> cycle = new ArrayList<>(path);
            java.util.Collections.reverse(cycle);
            cycle = cycle.subList(cycle.indexOf(p), cycle.size());
            cycle.add(p);
            return cycle;
        }
        state.put(p, 1);
        path.push(p);
        for (String q : uses.getOrDefault(p, Set.of())) {
            List<String> found = visit(q, uses, state, path);
            if (!found.isEmpty()) {
                return found;
            }
        }
        path.pop();
        state.put(p, 2);
        return List.of();
    }
}
