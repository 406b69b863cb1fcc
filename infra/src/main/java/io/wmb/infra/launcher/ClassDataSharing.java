package io.wmb.infra.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Faster service starts on a busy 2-core machine: each service jar runs in Spring Boot's extracted form
 * ({@code -Djarmode=tools extract}, which alone loads classes faster than the nested jar) with an AppCDS archive
 * of its classes. There is no separate training run: the first service of a module started without an archive
 * records one ({@code -XX:ArchiveClassesAtExit}) that is written when it stops ({@code ./wmb down}); every later
 * start maps it ({@code -XX:SharedArchiveFile}). Both live under {@code <data root>/cds/<module>-<jar stamp>}, so a
 * rebuilt jar gets a fresh extraction and archive, and the old ones are deleted. The archive's name carries the JDK's
 * version ({@code app-<version>.jsa}): an archive only maps into the JVM build that wrote it, and one named for the
 * jar alone, recorded under another {@code JAVA_HOME}, was ignored on every later start and never recorded again.
 * Anything that goes wrong falls back to {@code java -jar} on the jar itself, and the JVM's default
 * {@code -Xshare:auto} ignores an archive that does not match (other flags) instead of failing.
 * <p>
 * On JDK 25 and later the archive is an AOT cache instead ({@code -XX:AOTCacheOutput} to record it at exit,
 * {@code -XX:AOTCache} to map it; {@code app-<version>.aot}): classes come out of it loaded and linked, not only
 * parsed, which took a service's context refresh from 2.3 to 1.9 CPU-seconds against the dynamic archive of the
 * same JDK (the reconciler alone, three starts each). Recording costs more (the JVM assembles the cache in a child
 * process as it exits), once per build.
 */
final class ClassDataSharing {

    private static final Logger logger = LoggerFactory.getLogger(ClassDataSharing.class);

    /** The first JDK whose JVM records an AOT cache in one step, as it exits (JEP 514). */
    static final int AOT_CACHE_FEATURE = 25;

    /** How a JDK records an archive as it exits and maps it on a later start, and the file's suffix. */
    enum Kind {

        DYNAMIC_ARCHIVE("-XX:ArchiveClassesAtExit=", "-XX:SharedArchiveFile=", ".jsa"),

        AOT_CACHE("-XX:AOTCacheOutput=", "-XX:AOTCache=", ".aot");

        final String record;

        final String map;

        final String suffix;

        Kind(String record, String map, String suffix) {
            this.record = record;
            this.map = map;
            this.suffix = suffix;
        }

        static Kind of(Runtime.Version jdk) {
            return (jdk.feature() >= AOT_CACHE_FEATURE) ? AOT_CACHE : DYNAMIC_ARCHIVE;
        }

    }

    private final Path root;

    private final String java;

    private final boolean enabled;

    /** The kind of archive the services' JDK (the launcher's own, {@code java.home}) records and maps. */
    private final Kind kind;

    /** The JDK the services run on, which names the archive. */
    private final Runtime.Version jdk;

    /** Archives a running process is recording: one recorder per archive and run. */
    private final Set<Path> recording = ConcurrentHashMap.newKeySet();

    /** One extraction per module at a time; different modules extract side by side. */
    private final Map<String, Object> locks = new ConcurrentHashMap<>();

    ClassDataSharing(Path root, String java, boolean enabled) {
        this(root, java, enabled, Runtime.version());
    }

    ClassDataSharing(Path root, String java, boolean enabled, Runtime.Version jdk) {
        this.root = root;
        this.java = java;
        this.enabled = enabled;
        this.kind = Kind.of(jdk);
        this.jdk = jdk;
    }

    /**
     * What comes after the JVM options to run a module's jar: {@code -XX:...} flags and {@code -jar <path>}.
     * @param module the Maven module, e.g. {@code processor}
     * @param jar its exec jar
     */
    List<String> launch(String module, Path jar) {
        return launch(module, jar, false);
    }

    /**
     * What comes after the JVM options to run a module's jar, for a start with or without Spring's ahead-of-time
     * bean definitions: each way loads other classes, so each has an archive of its own.
     * @param module the Maven module, e.g. {@code processor}
     * @param jar its exec jar
     * @param aheadOfTime whether the JVM options hold {@code -Dspring.aot.enabled=true}
     */
    List<String> launch(String module, Path jar, boolean aheadOfTime) {
        List<String> args = new ArrayList<>();
        Optional<Path> extracted = this.enabled ? extracted(module, jar) : Optional.empty();
        if (extracted.isEmpty()) {
            return List.of("-jar", jar.toString());
        }
        Path archive = extracted.get().getParent().resolve(archiveName(this.jdk, aheadOfTime));
        if (Files.isRegularFile(archive) && sizeOf(archive) > 0) {
            args.add(this.kind.map + archive);
        }
        else if (this.recording.add(archive)) {
            logger.info("{}: no class-data archive yet; this start records {} (written when it stops)", module,
                    archive);
            args.add(this.kind.record + archive);
        }
        args.add("-jar");
        args.add(extracted.get().toString());
        return args;
    }

    /** Extracts the module's jar ahead of its start (the supervisor does it while the servers start). */
    void prepare(String module, Path jar) {
        if (this.enabled) {
            extracted(module, jar);
        }
    }

    /** The extracted jar of this build of the module, extracting it first if needed. */
    private Optional<Path> extracted(String module, Path jar) {
        synchronized (this.locks.computeIfAbsent(module, (name) -> new Object())) {
            return extractedLocked(module, jar);
        }
    }

    private Optional<Path> extractedLocked(String module, Path jar) {
        try {
            String stamp = Files.getLastModifiedTime(jar).toMillis() + "-" + Files.size(jar);
            Path dir = this.root.resolve(module + "-" + stamp);
            Path extractedJar = dir.resolve("app").resolve(jar.getFileName());
            if (Files.isRegularFile(dir.resolve("complete"))) {
                return Optional.of(extractedJar);
            }
            deleteOlder(module, dir);
            deleteTree(dir);
            Files.createDirectories(dir);
            long started = System.nanoTime();
            Process extract = new ProcessBuilder(this.java, "-Djarmode=tools", "-jar", jar.toString(), "extract",
                    "--destination", dir.resolve("app").toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("extract.log").toFile())
                .start();
            if (!extract.waitFor(2, TimeUnit.MINUTES) || extract.exitValue() != 0 || !Files.isRegularFile(extractedJar)) {
                extract.destroyForcibly();
                logger.warn("Could not extract {} (see {}); running the jar as it is", jar, dir.resolve("extract.log"));
                return Optional.empty();
            }
            Files.writeString(dir.resolve("complete"), jar.toString());
            logger.info("Extracted {} in {} ms", jar.getFileName(), (System.nanoTime() - started) / 1_000_000);
            return Optional.of(extractedJar);
        }
        catch (IOException ex) {
            logger.warn("Could not prepare the class-data archive of {}: {}; running the jar as it is", module,
                    ex.toString());
            return Optional.empty();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** Extractions of earlier builds of the module: their jar is gone or replaced. */
    private void deleteOlder(String module, Path current) throws IOException {
        if (!Files.isDirectory(this.root)) {
            return;
        }
        try (Stream<Path> dirs = Files.list(this.root)) {
            for (Path dir : dirs.filter((dir) -> dir.getFileName().toString().startsWith(module + "-")
                    && !dir.equals(current)).toList()) {
                deleteTree(dir);
            }
        }
    }

    /**
     * The archive file of a JDK.
     * @param jdk the JDK, for example {@code 17.0.15+6-Debian-1deb12u1}
     * @return for example {@code app-17.0.15_6-Debian-1deb12u1.jsa}, or {@code app-25.0.1_8-LTS.aot} for an AOT cache
     */
    static String archiveName(Runtime.Version jdk) {
        return archiveName(jdk, false);
    }

    /**
     * The archive file of a JDK and a way of starting.
     * @param jdk the JDK
     * @param aheadOfTime whether the service starts from Spring's ahead-of-time bean definitions
     * @return for example {@code app-spring-aot-17.0.15_6-Debian-1deb12u1.jsa} ahead of time
     */
    static String archiveName(Runtime.Version jdk, boolean aheadOfTime) {
        return (aheadOfTime ? "app-spring-aot-" : "app-") + jdk.toString().replaceAll("[^A-Za-z0-9.-]", "_")
                + Kind.of(jdk).suffix;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        }
        catch (IOException ex) {
            return 0;
        }
    }
}
