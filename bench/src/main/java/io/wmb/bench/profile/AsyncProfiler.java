package io.wmb.bench.profile;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;

/**
 * async-profiler (its agent library, from the {@code tools.profiler:async-profiler} jar on the bench's class path),
 * loaded into a running JVM with {@code jcmd <pid> JVMTI.agent_load}. Unlike JFR it samples native and kernel frames
 * too: the reship outbox's cost was all in RocksDB's native code, where a JFR profile showed nothing.
 */
public final class AsyncProfiler {

    /** Where the library sits in the jar of the {@code linux-x64} classifier. */
    private static final String RESOURCE = "linux-x64/libasyncProfiler.so";

    /** How {@link #record} starts the profiler: CPU samples every millisecond of CPU time, one stack per thread. */
    public static final String START = "start,event=cpu,interval=1ms,threads";

    private static final String POM_PROPERTIES = "META-INF/maven/tools.profiler/async-profiler/pom.properties";

    private final Path library;

    private final String version;

    private AsyncProfiler(Path library, String version) {
        this.library = library;
        this.version = version;
    }

    /**
     * Copies the agent library out of the class path.
     * @param dir where to put it
     * @return the profiler, empty on a platform the library is not built for
     * @throws IOException if it cannot be written
     */
    public static Optional<AsyncProfiler> extract(Path dir) throws IOException {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return Optional.empty();
        }
        try (InputStream in = AsyncProfiler.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return Optional.empty();
            }
            Files.createDirectories(dir);
            Path library = dir.resolve("libasyncProfiler.so");
            Files.copy(in, library, StandardCopyOption.REPLACE_EXISTING);
            return Optional.of(new AsyncProfiler(library, libraryVersion()));
        }
    }

    private static String libraryVersion() throws IOException {
        Properties properties = new Properties();
        try (InputStream in = AsyncProfiler.class.getClassLoader().getResourceAsStream(POM_PROPERTIES)) {
            if (in != null) {
                properties.load(in);
            }
        }
        return properties.getProperty("version", "(version unknown)");
    }

    /** The version of the library, for the report. */
    public String version() {
        return this.version;
    }

    /**
     * Samples a JVM's CPU (every millisecond of CPU time, per thread) for {@code seconds} and summarises it.
     * @param pid the JVM
     * @param seconds how long to sample
     * @param file where the collapsed stacks go (one line per stack, for flame graph tools)
     * @param ownPrefix see {@link ProfileSummary#parseCollapsed}
     * @return the summary
     * @throws IOException if the agent did not load or wrote nothing
     * @throws InterruptedException if interrupted while sampling
     */
    public ProfileSummary record(long pid, int seconds, Path file, String ownPrefix)
            throws IOException, InterruptedException {
        Files.deleteIfExists(file);
        agent(pid, START);
        try {
            Thread.sleep(seconds * 1000L);
        }
        finally {
            agent(pid, "stop,collapsed,file=" + file.toAbsolutePath());
        }
        if (!Files.exists(file)) {
            throw new IOException("async-profiler wrote no " + file);
        }
        return ProfileSummary.parseCollapsed(Files.readString(file, StandardCharsets.UTF_8), ownPrefix);
    }

    private void agent(long pid, String arguments) throws IOException, InterruptedException {
        // Quoted, or jcmd's parser takes "start,event" for an option name and "cpu,..." for its value.
        String output = ProfileSummary.run(List.of(ProfileSummary.tool("jcmd"), Long.toString(pid),
                "JVMTI.agent_load", this.library.toString(), "\"" + arguments + "\""));
        if (!output.contains("return code: 0")) {
            throw new IOException("async-profiler did not take '" + arguments + "': " + output.strip());
        }
    }

}
