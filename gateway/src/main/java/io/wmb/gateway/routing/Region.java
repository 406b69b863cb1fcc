package io.wmb.gateway.routing;

import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Where a user is: the north is served at home by unicom, the south by telecom.
 */
public enum Region {

    NORTH("north", Datacenter.UNICOM), SOUTH("south", Datacenter.TELECOM);

    private final String id;

    private final Datacenter home;

    Region(String id, Datacenter home) {
        this.id = id;
        this.home = home;
    }

    /** The lower-case name used in the {@code X-Region} header, URLs and JSON. */
    @JsonValue
    public String id() {
        return this.id;
    }

    /** The datacenter that serves this region unless part of it is shifted away. */
    public Datacenter home() {
        return this.home;
    }

    /**
     * Parses a region id, case-insensitively.
     * @throws IllegalArgumentException naming the bad value
     */
    @JsonCreator
    public static Region of(String id) {
        if (id != null) {
            String wanted = id.trim().toLowerCase(Locale.ROOT);
            for (Region region : values()) {
                if (region.id.equals(wanted)) {
                    return region;
                }
            }
        }
        throw new IllegalArgumentException("region must be 'north' or 'south', but was '" + id + "'");
    }

    @Override
    public String toString() {
        return this.id;
    }

}
