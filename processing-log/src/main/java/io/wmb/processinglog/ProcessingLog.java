package io.wmb.processinglog;

/**
 * Records stages of writes. Implementations never block the caller on Elasticsearch and never lose a
 * record they accepted: what cannot be sent yet is kept on local disk and sent later.
 */
public interface ProcessingLog {

    /**
     * Records one stage; returns at once.
     * @param record the record
     */
    void record(ProcessingRecord record);

}
