package io.wmb.gateway.settings;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

import io.wmb.gateway.routing.Datacenter;
import io.wmb.gateway.routing.Region;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Holds the routing settings in memory for every request to read, and on every change writes them to
 * {@code settings.json} (write to a temporary file, force, atomic rename: a crash leaves the old or the
 * new file, never half of one) and appends the change to {@code audit.jsonl}.
 *
 * <p>Readers never lock; writers are serialized so that the file, the audit log and the memory agree.
 */
public class SettingsStore {

    private static final Logger logger = LoggerFactory.getLogger(SettingsStore.class);

    static final String SETTINGS_FILE = "settings.json";

    static final String AUDIT_FILE = "audit.jsonl";

    private final Path directory;

    private final JsonMapper json;

    private final Clock clock;

    private final AtomicReference<RoutingSettings> current = new AtomicReference<>();

    /**
     * Loads the persisted settings, or starts from {@code initial} when there are none yet.
     */
    public SettingsStore(Path directory, RoutingSettings initial, JsonMapper json, Clock clock) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.json = json;
        this.clock = clock;
        try {
            Files.createDirectories(directory);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot create the settings directory " + directory, ex);
        }
        Path file = directory.resolve(SETTINGS_FILE);
        if (Files.exists(file)) {
            try {
                this.current.set(json.readValue(Files.readAllBytes(file), RoutingSettings.class));
                logger.info("Loaded routing settings revision {} from {}", this.current.get().revision(), file);
            }
            catch (IOException | RuntimeException ex) {
                // A corrupt file must not be silently replaced by defaults: an operator drained something.
                throw new IllegalStateException("Cannot read routing settings from " + file
                        + "; fix or remove it", ex);
            }
        }
        else {
            this.current.set(initial);
            logger.info("No routing settings at {} yet; starting from the configured defaults", file);
        }
    }

    /** The settings in force. */
    public RoutingSettings current() {
        return this.current.get();
    }

    /** Sets the share of a region sent to the other datacenter. */
    public synchronized RoutingSettings setShiftPercent(Region region, double percent, Change change) {
        RoutingSettings.checkPercent("percent", percent);
        RoutingSettings before = current();
        return apply(before.withShiftPercent(region, percent), change, "shiftPercent." + region.id(),
                before.shiftPercent(region), percent);
    }

    /** Sets the share of a datacenter gateway's traffic sent to the other datacenter's processor. */
    public synchronized RoutingSettings setRemoteWeightPercent(double percent, Change change) {
        RoutingSettings.checkPercent("percent", percent);
        RoutingSettings before = current();
        return apply(before.withRemoteWeightPercent(percent), change, "remoteWeightPercent",
                before.remoteWeightPercent(), percent);
    }

    /** Drains a datacenter or puts it back. */
    public synchronized RoutingSettings setDrained(Datacenter datacenter, boolean drained, Change change) {
        RoutingSettings before = current();
        return apply(before.withDrained(datacenter, drained), change, "drained." + datacenter.id(),
                before.drained(datacenter), drained);
    }

    /** The most recent audit entries, newest last. */
    public List<AuditEntry> audit(int limit) {
        Path file = this.directory.resolve(AUDIT_FILE);
        if (!Files.exists(file)) {
            return List.of();
        }
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            List<AuditEntry> entries = new ArrayList<>();
            for (String line : lines.subList(Math.max(0, lines.size() - limit), lines.size())) {
                if (!line.isBlank()) {
                    entries.add(this.json.readValue(line, AuditEntry.class));
                }
            }
            return entries;
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot read the audit log " + file, ex);
        }
    }

    private RoutingSettings apply(RoutingSettings next, Change change, String setting, Object from, Object to) {
        if (from.equals(to)) {
            // Setting what is already in force changes nothing, so it makes no revision and no audit entry.
            return current();
        }
        AuditEntry entry = new AuditEntry(this.clock.instant(), change.operator(), change.address(), setting, from,
                to, next.revision());
        try {
            writeAtomically(this.directory.resolve(SETTINGS_FILE), this.json.writeValueAsBytes(next));
            append(this.directory.resolve(AUDIT_FILE), this.json.writeValueAsString(entry) + "\n");
        }
        catch (IOException ex) {
            // Not persisted means not applied: a change that would vanish at restart is worse than a refusal.
            throw new UncheckedIOException("Cannot persist the routing settings in " + this.directory, ex);
        }
        this.current.set(next);
        logger.info("{} changed {} from {} to {} (revision {}, from {})", change.operator(), setting, from, to,
                next.revision(), change.address());
        return next;
    }

    private static void writeAtomically(Path target, byte[] content) throws IOException {
        Path temporary = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            channel.write(ByteBuffer.wrap(content));
            channel.force(true);
        }
        try {
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        catch (AtomicMoveNotSupportedException ex) {
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void append(Path file, String line) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            channel.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)));
            channel.force(true);
        }
    }

    /**
     * Who asks for a change and from where.
     *
     * @param operator the operator's name
     * @param address the client address
     */
    public record Change(String operator, String address) {

    }

}
