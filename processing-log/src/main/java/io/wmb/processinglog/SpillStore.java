package io.wmb.processinglog;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Append-only spill files on local disk: one JSON line per record, in numbered segments
 * ({@code spill-000000000001.jsonl}, ...). Appends go to the active segment and are forced to disk before
 * {@link #append} returns. {@link #seal()} closes the active segment and hands out every closed segment for
 * re-sending; a segment is deleted only after all its records reached Elasticsearch.
 *
 * <p>Segments found at start belong to an earlier run of the process and are sealed at once. A record that
 * Elasticsearch refuses for good (a mapping error) goes to {@code rejected.jsonl}, which is kept for an
 * operator and never re-sent.
 *
 * <p>The store knows the timestamp of the oldest record in each segment, which holds the writer's watermark
 * back until the segment is re-sent and deleted. For segments of an earlier run it does not know it until
 * someone {@link #measure measures} them; until then they hold the watermark at the epoch.
 *
 * <p>The directory is locked ({@code spill.lock}) so that two writers never share it. Thread-safe.
 */
final class SpillStore implements Closeable {

    /** Above this size the active segment is closed and a new one started, so that replay can delete early. */
    static final long DEFAULT_MAX_SEGMENT_BYTES = 4L * 1024 * 1024;

    static final String REJECTED_FILE = "rejected.jsonl";

    private static final String LOCK_FILE = "spill.lock";

    private static final Pattern SEGMENT = Pattern.compile("spill-(\\d{12})\\.jsonl");

    /** What {@link #oldestMillis()} answers when no record waits. */
    static final long NONE = Long.MAX_VALUE;

    /** The oldest timestamp of a segment of an earlier run that has not been measured yet. */
    private static final long UNMEASURED = Long.MIN_VALUE;

    private final Path directory;

    private final long maxSegmentBytes;

    private final FileChannel lockChannel;

    private final FileLock lock;

    private final List<Path> sealed = new ArrayList<>();

    /** Epoch milliseconds of the oldest record of each sealed segment, or {@link #UNMEASURED}. */
    private final Map<Path, Long> oldestOfSealed = new HashMap<>();

    private final AtomicLong pendingBytes = new AtomicLong();

    private long nextSegment;

    private Path activePath;

    private FileChannel active;

    private long activeBytes;

    /** Epoch milliseconds of the oldest record appended to the active segment, {@link #NONE} when empty. */
    private long activeOldest = NONE;

    /** Whether the active segment holds lines not yet forced to disk. */
    private boolean dirty;

    SpillStore(Path directory) throws IOException {
        this(directory, DEFAULT_MAX_SEGMENT_BYTES);
    }

    SpillStore(Path directory, long maxSegmentBytes) throws IOException {
        if (maxSegmentBytes < 1) {
            throw new IllegalArgumentException("maxSegmentBytes must be positive, but was " + maxSegmentBytes);
        }
        this.directory = Files.createDirectories(directory);
        this.maxSegmentBytes = maxSegmentBytes;
        this.lockChannel = FileChannel.open(directory.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock acquired;
        try {
            acquired = this.lockChannel.tryLock();
        }
        catch (OverlappingFileLockException ex) {
            acquired = null;
        }
        if (acquired == null) {
            this.lockChannel.close();
            throw new IllegalStateException("spill directory " + directory + " is in use by another writer");
        }
        this.lock = acquired;
        long highest = 0;
        for (Path segment : listSegments(directory)) {
            this.sealed.add(segment);
            this.oldestOfSealed.put(segment, UNMEASURED);
            this.pendingBytes.addAndGet(Files.size(segment));
            highest = Math.max(highest, segmentNumber(segment));
        }
        this.nextSegment = highest + 1;
    }

    /**
     * Appends lines and forces them to disk: when this returns, the lines survive a crash of the machine.
     * @param lines JSON lines without line breaks
     * @param oldestMillis the oldest timestamp among the lines' records, in epoch milliseconds
     * @throws IOException when the disk refuses; the active segment is then closed, so that a half-written
     *     line never runs into the next one
     */
    void append(List<String> lines, long oldestMillis) throws IOException {
        append(lines, oldestMillis, true);
    }

    /**
     * Appends lines, forcing them to disk only when asked. Unforced lines already survive a crash of the
     * process (they are in the operating system's cache); {@link #force()} makes them survive a crash of the
     * machine, for all lines written so far at once.
     * @param lines JSON lines without line breaks
     * @param oldestMillis the oldest timestamp among the lines' records, in epoch milliseconds
     * @param force whether to force them to disk before returning
     * @throws IOException when the disk refuses; the active segment is then closed, so that a half-written
     *     line never runs into the next one
     */
    synchronized void append(List<String> lines, long oldestMillis, boolean force) throws IOException {
        if (lines.isEmpty()) {
            return;
        }
        ensureOpen();
        if (this.active == null || this.activeBytes >= this.maxSegmentBytes) {
            startSegment();
        }
        // Before the write: a failed write may still leave part of the lines in the segment.
        this.activeOldest = Math.min(this.activeOldest, oldestMillis);
        ByteBuffer buffer = encode(lines);
        int size = buffer.remaining();
        try {
            while (buffer.hasRemaining()) {
                this.active.write(buffer);
            }
            this.dirty = true;
            if (force) {
                this.active.force(false);
                this.dirty = false;
            }
        }
        catch (IOException ex) {
            closeActive();
            throw ex;
        }
        this.activeBytes += size;
        this.pendingBytes.addAndGet(size);
    }

    /**
     * Forces lines appended without force to disk; cheap when there are none.
     */
    synchronized void force() throws IOException {
        if (this.active != null && this.dirty) {
            this.active.force(false);
            this.dirty = false;
        }
    }

    /**
     * Closes the active segment (if it holds anything) and returns all closed segments, oldest first. The
     * caller re-sends them and then {@link #delete deletes} each one.
     * @return the segments waiting to be re-sent
     */
    synchronized List<Path> seal() throws IOException {
        if (this.active != null && this.activeBytes > 0) {
            closeActive();
        }
        return List.copyOf(this.sealed);
    }

    /**
     * Deletes a segment whose records all reached Elasticsearch.
     * @param segment a segment returned by {@link #seal()}
     */
    synchronized void delete(Path segment) throws IOException {
        if (!this.sealed.remove(segment)) {
            throw new IllegalArgumentException("not a sealed segment of this store: " + segment);
        }
        long size = Files.size(segment);
        Files.delete(segment);
        this.oldestOfSealed.remove(segment);
        this.pendingBytes.addAndGet(-size);
    }

    /**
     * Keeps records that Elasticsearch refused for good, for an operator to look at.
     * @param lines JSON lines without line breaks
     */
    synchronized void reject(List<String> lines) throws IOException {
        if (lines.isEmpty()) {
            return;
        }
        ensureOpen();
        try (FileChannel channel = FileChannel.open(this.directory.resolve(REJECTED_FILE),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ByteBuffer buffer = encode(lines);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(false);
        }
    }

    /** Whether nothing waits to be re-sent. */
    synchronized boolean isEmpty() {
        return this.sealed.isEmpty() && this.activeBytes == 0;
    }

    /**
     * The oldest timestamp of the records waiting on disk to be re-sent.
     * @return epoch milliseconds; {@link #NONE} when nothing waits, 0 while a segment of an earlier run is not
     *     {@link #measure measured}
     */
    synchronized long oldestMillis() {
        long oldest = this.activeOldest;
        for (long segmentOldest : this.oldestOfSealed.values()) {
            oldest = Math.min(oldest, segmentOldest);
        }
        return Math.max(0, oldest);
    }

    /**
     * Measures the segments of an earlier run: reads each one and notes its oldest timestamp. Reads outside the
     * lock, so that appends go on meanwhile; a segment deleted while it is read (it was re-sent) needs nothing.
     * @param timestampOf the timestamp of a line's record in epoch milliseconds, {@link #NONE} for a line that is
     *     not a record (a torn last line)
     * @throws IOException when a segment cannot be read; it stays unmeasured
     */
    void measure(ToLongFunction<String> timestampOf) throws IOException {
        List<Path> unmeasured;
        synchronized (this) {
            unmeasured = this.oldestOfSealed.entrySet().stream()
                    .filter((entry) -> entry.getValue() == UNMEASURED).map(Map.Entry::getKey).toList();
        }
        for (Path segment : unmeasured) {
            long oldest;
            try (Stream<String> lines = Files.lines(segment, StandardCharsets.UTF_8)) {
                oldest = lines.filter((line) -> !line.isBlank()).mapToLong(timestampOf).min().orElse(NONE);
            }
            catch (NoSuchFileException ex) {
                continue;
            }
            catch (UncheckedIOException ex) {
                throw ex.getCause();
            }
            synchronized (this) {
                this.oldestOfSealed.replace(segment, UNMEASURED, oldest);
            }
        }
    }

    /** Bytes of records waiting on disk to be re-sent. */
    long pendingBytes() {
        return this.pendingBytes.get();
    }

    /** The directory this store owns. */
    Path directory() {
        return this.directory;
    }

    /** Closes the active segment and releases the directory. Segments stay for the next run. */
    @Override
    public synchronized void close() throws IOException {
        if (!this.lockChannel.isOpen()) {
            return;
        }
        try {
            closeActive();
        }
        finally {
            this.lock.release();
            this.lockChannel.close();
        }
    }

    private void ensureOpen() {
        if (!this.lockChannel.isOpen()) {
            throw new IllegalStateException("spill store " + this.directory + " is closed");
        }
    }

    private void startSegment() throws IOException {
        closeActive();
        Path path = this.directory.resolve(String.format("spill-%012d.jsonl", this.nextSegment++));
        this.active = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        this.activePath = path;
        this.activeBytes = 0;
        // Force the directory entry too, or a crash could keep the data but lose the file's name.
        try (FileChannel dir = FileChannel.open(this.directory, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    private void closeActive() throws IOException {
        if (this.active == null) {
            return;
        }
        FileChannel channel = this.active;
        Path path = this.activePath;
        long bytes = this.activeBytes;
        boolean unforced = this.dirty;
        this.active = null;
        this.activePath = null;
        this.activeBytes = 0;
        this.dirty = false;
        long oldest = this.activeOldest;
        this.activeOldest = NONE;
        try {
            if (unforced) {
                channel.force(false);
            }
        }
        finally {
            channel.close();
        }
        long size = Files.size(path);
        if (size > 0) {
            // A failed append may have left part of a line that was never counted; count what is on disk.
            this.pendingBytes.addAndGet(size - bytes);
            this.sealed.add(path);
            this.oldestOfSealed.put(path, oldest);
        }
        else {
            Files.deleteIfExists(path);
        }
    }

    private static ByteBuffer encode(List<String> lines) {
        StringBuilder text = new StringBuilder(lines.size() * 256);
        for (String line : lines) {
            text.append(line).append('\n');
        }
        return ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static List<Path> listSegments(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter((path) -> SEGMENT.matcher(path.getFileName().toString()).matches())
                    .sorted()
                    .toList();
        }
    }

    private static long segmentNumber(Path segment) {
        Matcher matcher = SEGMENT.matcher(segment.getFileName().toString());
        if (!matcher.matches()) {
            throw new IllegalArgumentException("not a segment: " + segment);
        }
        return Long.parseLong(matcher.group(1));
    }

}
