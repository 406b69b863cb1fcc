package io.wmb.gateway.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;

import io.wmb.gateway.routing.WeightedRendezvous.Candidate;
import io.wmb.gateway.settings.RoutingSettings;

/**
 * A datacenter gateway's decision (the Nginx role): the local processors share the local weight equally,
 * the other datacenter's processor gets the remote weight. Sticky per user, reads and writes alike, so
 * that a user's writes keep their order at one processor.
 */
public class UpstreamRouter {

    private final List<Target> local;

    private final Target remote;

    private final Supplier<RoutingSettings> settings;

    private final Predicate<Target> healthy;

    /**
     * @param local this datacenter's processors
     * @param remote the other datacenter's processor, or {@code null} when there is none
     * @param settings the settings in force, read on every decision
     * @param healthy whether an upstream currently passes its health checks
     */
    public UpstreamRouter(List<Target> local, Target remote, Supplier<RoutingSettings> settings,
            Predicate<Target> healthy) {
        if (local.isEmpty()) {
            throw new IllegalArgumentException("at least one local upstream is required, but none was given");
        }
        this.local = List.copyOf(local);
        this.remote = remote;
        this.settings = settings;
        this.healthy = healthy;
    }

    /**
     * The upstream for a key.
     * @return empty when no upstream is available
     */
    public Optional<Target> route(String key) {
        RoutingSettings current = this.settings.get();
        List<Candidate<Target>> candidates = new ArrayList<>();
        double remoteWeight = (this.remote != null) ? current.remoteWeightPercent() : 0;
        for (Target target : this.local) {
            candidates.add(new Candidate<>(target.id(), (100 - remoteWeight) / this.local.size(), target));
        }
        if (this.remote != null) {
            candidates.add(new Candidate<>(this.remote.id(), remoteWeight, this.remote));
        }
        return TargetSelector.select(key, candidates,
                (target) -> !current.drained(target.datacenter()) && this.healthy.test(target));
    }

    /** The weight each upstream has under the current settings, in percent. */
    public double weightPercent(Target target) {
        double remoteWeight = (this.remote != null) ? this.settings.get().remoteWeightPercent() : 0;
        return target.equals(this.remote) ? remoteWeight : (100 - remoteWeight) / this.local.size();
    }

    /** Local upstreams first, then the remote one. */
    public List<Target> targets() {
        List<Target> all = new ArrayList<>(this.local);
        if (this.remote != null) {
            all.add(this.remote);
        }
        return all;
    }

}
