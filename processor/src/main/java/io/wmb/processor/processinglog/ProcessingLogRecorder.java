package io.wmb.processor.processinglog;

import java.time.Clock;
import java.time.Instant;

import io.wmb.processinglog.Outcome;
import io.wmb.processinglog.ProcessingLog;
import io.wmb.processinglog.ProcessingRecord;
import io.wmb.processinglog.Stage;
import io.wmb.processor.post.Write;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records the stages this processor performs, stamped with this datacenter and the time. Never throws: the
 * processing log must not fail a write.
 */
public class ProcessingLogRecorder {

    private static final Logger log = LoggerFactory.getLogger(ProcessingLogRecorder.class);

    private final ProcessingLog processingLog;

    private final String datacenter;

    private final Clock clock;

    /**
     * Creates the recorder.
     * @param processingLog where records go
     * @param datacenter this datacenter
     * @param clock the clock
     */
    public ProcessingLogRecorder(ProcessingLog processingLog, String datacenter, Clock clock) {
        this.processingLog = processingLog;
        this.datacenter = datacenter;
        this.clock = clock;
    }

    /**
     * Records one stage of a write.
     * @param write the write
     * @param stage the stage
     * @param outcome how it ended
     * @param detail a reason, may be {@code null}
     */
    public void record(Write write, Stage stage, Outcome outcome, String detail) {
        record(write, stage, outcome, detail, clock.instant());
    }

    /**
     * Records one stage of a write as of an earlier time: a stage recorded again for a write finished after an
     * interruption keeps the time it first happened.
     * @param write the write
     * @param stage the stage
     * @param outcome how it ended
     * @param detail a reason, may be {@code null}
     * @param at when the stage happened
     */
    public void record(Write write, Stage stage, Outcome outcome, String detail, Instant at) {
        try {
            processingLog.record(new ProcessingRecord(write.requestId(), datacenter, write.origin(), stage, outcome,
                    at, write.state().id(), write.state().version(), detail));
        }
        catch (RuntimeException ex) {
            log.warn("Could not record {} {} of {}: {}", stage, outcome, write.requestId(), ex.toString());
        }
    }

}
