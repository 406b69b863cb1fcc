package io.wmb.gateway.settings;

import java.time.Instant;

/**
 * One recorded change of a routing setting.
 *
 * @param at when it changed
 * @param operator who changed it (the operator the bearer token belongs to)
 * @param address where the request came from
 * @param setting which setting, e.g. {@code shiftPercent.north}
 * @param from the value before
 * @param to the value after
 * @param revision the settings revision the change produced
 */
public record AuditEntry(Instant at, String operator, String address, String setting, Object from, Object to,
        long revision) {

}
