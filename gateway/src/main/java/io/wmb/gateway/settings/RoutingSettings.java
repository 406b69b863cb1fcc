package io.wmb.gateway.settings;

import io.wmb.gateway.routing.Datacenter;
import io.wmb.gateway.routing.Region;

/**
 * The runtime-adjustable routing knobs, as persisted and as the ops API shows them. The edge uses the shift
 * and the drains; a datacenter gateway uses the remote weight and the drains.
 *
 * @param shiftPercent per region, the share of users sent to the other datacenter (0-100)
 * @param remoteWeightPercent share of a datacenter gateway's traffic sent to the other datacenter's processor
 * @param drained datacenters an operator took out of rotation
 * @param revision increases by one with every change
 */
public record RoutingSettings(Shift shiftPercent, double remoteWeightPercent, Drained drained, long revision) {

    public RoutingSettings {
        shiftPercent = (shiftPercent != null) ? shiftPercent : new Shift(0, 0);
        drained = (drained != null) ? drained : new Drained(false, false);
        checkPercent("remoteWeightPercent", remoteWeightPercent);
    }

    /** The share of a region that goes to the other datacenter. */
    public double shiftPercent(Region region) {
        return (region == Region.NORTH) ? this.shiftPercent.north() : this.shiftPercent.south();
    }

    /** Whether an operator drained the datacenter. */
    public boolean drained(Datacenter datacenter) {
        return (datacenter == Datacenter.UNICOM) ? this.drained.unicom() : this.drained.telecom();
    }

    RoutingSettings withShiftPercent(Region region, double percent) {
        Shift shift = (region == Region.NORTH) ? new Shift(percent, this.shiftPercent.south())
                : new Shift(this.shiftPercent.north(), percent);
        return new RoutingSettings(shift, this.remoteWeightPercent, this.drained, this.revision + 1);
    }

    RoutingSettings withRemoteWeightPercent(double percent) {
        return new RoutingSettings(this.shiftPercent, percent, this.drained, this.revision + 1);
    }

    RoutingSettings withDrained(Datacenter datacenter, boolean value) {
        Drained next = (datacenter == Datacenter.UNICOM) ? new Drained(value, this.drained.telecom())
                : new Drained(this.drained.unicom(), value);
        return new RoutingSettings(this.shiftPercent, this.remoteWeightPercent, next, this.revision + 1);
    }

    static void checkPercent(String name, double percent) {
        if (!(percent >= 0 && percent <= 100)) {
            throw new IllegalArgumentException(name + " must be between 0 and 100, but was " + percent);
        }
    }

    /**
     * Per region, the percentage of users shifted to the other datacenter.
     *
     * @param north share of the north sent to telecom
     * @param south share of the south sent to unicom
     */
    public record Shift(double north, double south) {

        public Shift {
            checkPercent("shiftPercent.north", north);
            checkPercent("shiftPercent.south", south);
        }

    }

    /**
     * Which datacenters are drained.
     *
     * @param unicom whether unicom is drained
     * @param telecom whether telecom is drained
     */
    public record Drained(boolean unicom, boolean telecom) {

    }

}
