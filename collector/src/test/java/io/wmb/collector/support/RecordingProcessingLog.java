package io.wmb.collector.support;

import java.util.ArrayList;
import java.util.List;

import io.wmb.processinglog.ProcessingLog;
import io.wmb.processinglog.ProcessingRecord;

/**
 * Keeps records in memory, for unit tests that check what was recorded (integration tests use Elasticsearch).
 */
public final class RecordingProcessingLog implements ProcessingLog {

    private final List<ProcessingRecord> records = new ArrayList<>();

    @Override
    public synchronized void record(ProcessingRecord record) {
        this.records.add(record);
    }

    /**
     * A copy of what was recorded so far.
     * @return the records, in order
     */
    public synchronized List<ProcessingRecord> records() {
        return List.copyOf(this.records);
    }

}
