package io.wmb.processinglog;

import java.util.UUID;

/**
 * Who writes the processing log: one process of one service in one datacenter. The instance part is new with
 * every process, so that a restarted service never takes over the watermark of the process before it (whose
 * heartbeat then simply stops).
 *
 * @param service the service, for example {@code processor}
 * @param datacenter where it runs, for example {@code unicom}
 * @param instance this process among the service's processes
 */
public record WriterId(String service, String datacenter, String instance) {

    public WriterId {
        requireName("service", service);
        requireName("datacenter", datacenter);
        requireName("instance", instance);
    }

    /**
     * A writer id with a random instance part, for one process.
     * @param service the service
     * @param datacenter where it runs
     * @return for example {@code processor-unicom-3f2a9c1b}
     */
    public static WriterId of(String service, String datacenter) {
        return new WriterId(service, datacenter, UUID.randomUUID().toString().substring(0, 8));
    }

    /** The id of the writer's watermark document: {@code service-datacenter-instance}. */
    public String id() {
        return this.service + "-" + this.datacenter + "-" + this.instance;
    }

    private static void requireName(String what, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank, but was '" + value + "'");
        }
    }

}
