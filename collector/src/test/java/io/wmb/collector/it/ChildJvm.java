package io.wmb.collector.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.wmb.infra.LocalPorts;

/**
 * Starts a service's main class in its own JVM with the test classpath, so that a test can kill it with
 * SIGKILL as an operator's {@code kill -9} would.
 */
final class ChildJvm {

    private ChildJvm() {
    }

    static Process start(Class<?> mainClass, Path logFile, String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), mainClass.getName()));
        command.addAll(List.of(args));
        try {
            Files.createDirectories(logFile.getParent());
            return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
        }
        catch (IOException ex) {
            throw new UncheckedIOException("cannot start " + mainClass.getSimpleName(), ex);
        }
    }

    static int freePort() {
        return LocalPorts.free();
    }

}
