package io.wmb.reconciler.scan;

import java.util.List;

/**
 * The two datacenters by name, as the processing log spells them.
 */
public final class Datacenters {

    /** unicom: the north, owns the MySQL master. */
    public static final String UNICOM = "unicom";

    /** telecom: the south, MySQL binlog replica. */
    public static final String TELECOM = "telecom";

    /** Both, in a fixed order. */
    public static final List<String> ALL = List.of(UNICOM, TELECOM);

    private Datacenters() {
    }

    /**
     * The other datacenter.
     * @param datacenter {@code unicom} or {@code telecom}
     * @return the other one
     */
    public static String peer(String datacenter) {
        if (UNICOM.equals(datacenter)) {
            return TELECOM;
        }
        if (TELECOM.equals(datacenter)) {
            return UNICOM;
        }
        throw new IllegalArgumentException("datacenter must be unicom or telecom, but was '" + datacenter + "'");
    }

}
