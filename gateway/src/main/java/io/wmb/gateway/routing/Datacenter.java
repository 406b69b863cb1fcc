package io.wmb.gateway.routing;

import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * The two datacenters: unicom (north, owns the MySQL master) and telecom (south, replica).
 */
public enum Datacenter {

    UNICOM("unicom"), TELECOM("telecom");

    private final String id;

    Datacenter(String id) {
        this.id = id;
    }

    /** The lower-case name used in headers, URLs, JSON and configuration. */
    @JsonValue
    public String id() {
        return this.id;
    }

    /** The other datacenter. */
    public Datacenter peer() {
        return (this == UNICOM) ? TELECOM : UNICOM;
    }

    /**
     * Parses a datacenter id, case-insensitively.
     * @throws IllegalArgumentException naming the bad value
     */
    @JsonCreator
    public static Datacenter of(String id) {
        if (id != null) {
            String wanted = id.trim().toLowerCase(Locale.ROOT);
            for (Datacenter datacenter : values()) {
                if (datacenter.id.equals(wanted)) {
                    return datacenter;
                }
            }
        }
        throw new IllegalArgumentException("datacenter must be 'unicom' or 'telecom', but was '" + id + "'");
    }

    @Override
    public String toString() {
        return this.id;
    }

}
