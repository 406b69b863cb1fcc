package io.wmb.infra;

/**
 * The two simulated datacenters. Unicom serves the north and owns the MySQL master; telecom serves the south and
 * runs the binlog replica.
 */
public enum Datacenter {

    /** North; owns the MySQL master. */
    UNICOM("unicom", 1),

    /** South; MySQL binlog replica of unicom. */
    TELECOM("telecom", 2);

    private final String id;

    private final int number;

    Datacenter(String id, int number) {
        this.id = id;
        this.number = number;
    }

    /** The lower-case name used in configuration, headers and the processing log. */
    public String id() {
        return this.id;
    }

    /** The number packed into versions and ids (unicom = 1, telecom = 2). */
    public int number() {
        return this.number;
    }

    /** The other datacenter. */
    public Datacenter peer() {
        return (this == UNICOM) ? TELECOM : UNICOM;
    }

    /**
     * The datacenter with this id, ignoring case.
     * @throws IllegalArgumentException for an unknown id
     */
    public static Datacenter of(String id) {
        for (Datacenter datacenter : values()) {
            if (datacenter.id.equalsIgnoreCase(id)) {
                return datacenter;
            }
        }
        throw new IllegalArgumentException("datacenter must be 'unicom' or 'telecom', but was '" + id + "'");
    }

    @Override
    public String toString() {
        return this.id;
    }
}
