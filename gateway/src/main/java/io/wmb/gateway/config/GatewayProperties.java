package io.wmb.gateway.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.wmb.gateway.routing.Datacenter;
import io.wmb.gateway.routing.Region;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Configuration of the gateway in both of its roles.
 *
 * @param role which role this instance plays ({@code WMB_GATEWAY_ROLE}: edge or datacenter)
 * @param datacenter the datacenter a {@code datacenter}-role gateway belongs to ({@code WMB_DATACENTER})
 * @param dataDir where runtime settings and the audit log live ({@code WMB_DATA_DIR})
 * @param operators operator name to bearer token; a token grants changing ratios, weights and drains
 * @param edge what the edge routes to and how it finds a client's region
 * @param upstreams the processors a datacenter gateway spreads over
 * @param health active health checks of the edge's gateways or the gateway's upstreams
 * @param rateLimit per-client token bucket
 * @param ops where the dashboard's overview collects its figures
 * @param topology whether both datacenters take writes or only the master does
 * @param proxy how long the proxied requests wait for their upstream
 */
@ConfigurationProperties("wmb.gateway")
@Validated
public record GatewayProperties(@NotNull GatewayRole role, @NotNull Datacenter datacenter, Path dataDir,
        @NotEmpty Map<String, String> operators, @NotNull @Valid Edge edge, @NotNull @Valid Upstreams upstreams,
        @NotNull @Valid Health health, @NotNull @Valid RateLimit rateLimit, @NotNull @Valid Ops ops,
        @NotNull @Valid WriteTopology topology, @NotNull @Valid Proxy proxy) {

    public GatewayProperties {
        if ((dataDir == null || dataDir.toString().isEmpty()) && role != null && datacenter != null) {
            dataDir = Path.of(".wmb-data", (role == GatewayRole.EDGE) ? "gateway-edge" : "gateway-" + datacenter.id());
        }
        if (operators != null) {
            operators.forEach((name, token) -> {
                if (token == null || token.length() < 8) {
                    throw new IllegalArgumentException("operator token of '" + name
                            + "' must have at least 8 characters, but had " + ((token != null) ? token.length() : 0));
                }
            });
        }
    }

    /** The name this instance reports in {@code X-WMB-Datacenter} when no upstream answered. */
    public String servedBy() {
        return (this.role == GatewayRole.EDGE) ? "edge" : this.datacenter.id();
    }

    /**
     * The edge.
     *
     * @param gateways each datacenter's gateway ({@code WMB_UNICOM_GATEWAY}, {@code WMB_TELECOM_GATEWAY})
     * @param regionTable client address ranges, each {@code cidr=region} ({@code WMB_REGION_TABLE})
     * @param defaultRegion the region of an address that no range matches
     * @param initialShiftPercent per region, the share sent to the other datacenter before an operator sets one
     */
    public record Edge(@NotEmpty Map<Datacenter, URI> gateways, List<String> regionTable,
            @NotNull Region defaultRegion,
            Map<Region, Double> initialShiftPercent) {

        public Edge {
            regionTable = (regionTable != null) ? List.copyOf(regionTable) : List.of();
            initialShiftPercent = (initialShiftPercent != null) ? Map.copyOf(initialShiftPercent) : Map.of();
        }

    }

    /**
     * A datacenter gateway's upstream processors.
     *
     * @param local this datacenter's processors ({@code WMB_LOCAL_UPSTREAM}, comma-separated)
     * @param remote the other datacenter's processor, through the link ({@code WMB_REMOTE_UPSTREAM})
     * @param initialRemoteWeightPercent the remote share before an operator sets one
     */
    public record Upstreams(@NotEmpty List<URI> local, URI remote,
            @DecimalMin("0") @DecimalMax("100") double initialRemoteWeightPercent) {

        public Upstreams {
            local = (local != null) ? List.copyOf(local) : List.of();
        }

    }

    /**
     * Active health checks.
     *
     * @param path the health path on every checked server
     * @param interval time between two rounds of checks
     * @param timeout a check slower than this counts as failed
     * @param fall consecutive failures that mark a server down
     * @param rise consecutive successes that mark a down server up again
     */
    public record Health(@NotNull String path, @NotNull Duration interval, @NotNull Duration timeout,
            @Min(1) int fall, @Min(1) int rise) {

    }

    /**
     * Rate limiting per client (user id when given, otherwise the address).
     *
     * @param enabled whether the {@code ClientRateLimit} filter limits at all
     * @param capacity burst size of a client's bucket
     * @param refillPerSecond steady requests per second a client may send
     * @param maxClients buckets kept in memory; the least recently used are dropped
     */
    public record RateLimit(boolean enabled, @Min(1) long capacity, @Min(1) long refillPerSecond,
            @Min(1) long maxClients) {

    }

    /**
     * Other services the ops overview reads; each may be down.
     *
     * @param link the link simulator's control API ({@code WMB_LINK_CONTROL_URL})
     * @param reconcilers each datacenter's reconciler HTTP
     * @param reships each datacenter's reship management HTTP (prometheus metrics)
     * @param collectors each datacenter's collector management HTTP (prometheus metrics)
     * @param timeout how long the overview waits for any one of them
     */
    public record Ops(URI link, Map<Datacenter, URI> reconcilers, Map<Datacenter, URI> reships,
            Map<Datacenter, URI> collectors, @NotNull Duration timeout) {

        public Ops {
            reconcilers = (reconcilers != null) ? Map.copyOf(reconcilers) : Map.of();
            reships = (reships != null) ? Map.copyOf(reships) : Map.of();
            collectors = (collectors != null) ? Map.copyOf(collectors) : Map.of();
        }

    }

    /**
     * Where writes go.
     *
     * @param mode {@code independent} (every datacenter takes writes) or {@code master-slave} ({@code WMB_TOPOLOGY})
     * @param master the datacenter that owns the MySQL master and, in master-slave mode, takes every write
     *     ({@code WMB_MASTER_DATACENTER})
     */
    public record WriteTopology(@NotNull Topology mode, @NotNull Datacenter master) {

        /** The datacenter whose processors take every write, or {@code null} when each datacenter takes its own. */
        public Datacenter writeDatacenter() {
            return (this.mode == Topology.MASTER_SLAVE) ? this.master : null;
        }

    }

    /**
     * Timeouts of the proxied requests (the edge's to the gateways, a gateway's to its upstreams).
     *
     * @param connectTimeout a connection not made by then fails the request with 502
     * @param responseTimeout an upstream silent this long, after the request was sent or between two reads of
     * its answer, fails the request with 504
     */
    public record Proxy(@NotNull Duration connectTimeout, @NotNull Duration responseTimeout) {
    }

}
