package io.wmb.gateway.routing;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;

import io.wmb.gateway.routing.WeightedRendezvous.Candidate;
import io.wmb.gateway.settings.RoutingSettings;

/**
 * The edge's decision (the GeoDNS role): a region goes to its home datacenter, except the configured share
 * of its users, chosen by weighted rendezvous hashing on the user, which goes to the other one. A drained
 * or unhealthy datacenter gets nothing while the other can serve.
 */
public class EdgeRouter {

    private final Map<Datacenter, Target> gateways;

    private final Supplier<RoutingSettings> settings;

    private final Predicate<Target> healthy;

    /**
     * @param gateways each datacenter's gateway
     * @param settings the settings in force, read on every decision
     * @param healthy whether a gateway currently passes its health checks
     */
    public EdgeRouter(Map<Datacenter, Target> gateways, Supplier<RoutingSettings> settings,
            Predicate<Target> healthy) {
        for (Datacenter datacenter : Datacenter.values()) {
            if (!gateways.containsKey(datacenter)) {
                throw new IllegalArgumentException("a gateway for " + datacenter + " is required, but only "
                        + gateways.keySet() + " were given");
            }
        }
        this.gateways = Map.copyOf(gateways);
        this.settings = settings;
        this.healthy = healthy;
    }

    /**
     * The gateway for a user of a region.
     * @param key the user ({@code user:<id>}) or, without a user id, the client address
     * @return empty when both datacenters are unavailable
     */
    public Optional<Target> route(Region region, String key) {
        RoutingSettings current = this.settings.get();
        double shift = current.shiftPercent(region);
        Datacenter home = region.home();
        List<Candidate<Target>> candidates = List.of(
                new Candidate<>(home.id(), 100 - shift, this.gateways.get(home)),
                new Candidate<>(home.peer().id(), shift, this.gateways.get(home.peer())));
        return TargetSelector.select(key, candidates,
                (target) -> !current.drained(target.datacenter()) && this.healthy.test(target));
    }

    /** The gateway of a datacenter. */
    public Target gateway(Datacenter datacenter) {
        return this.gateways.get(datacenter);
    }

}
