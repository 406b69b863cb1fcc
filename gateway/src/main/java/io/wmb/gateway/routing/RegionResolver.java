package io.wmb.gateway.routing;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds a client's region: the {@code X-Region} header when present, otherwise the first address range of
 * the table that contains the client address, otherwise the default region.
 */
public class RegionResolver {

    private final List<Entry> table;

    private final Region defaultRegion;

    /**
     * @param table entries {@code cidr=region}, first match wins
     * @param defaultRegion the region of an address no entry matches
     */
    public RegionResolver(List<String> table, Region defaultRegion) {
        List<Entry> entries = new ArrayList<>();
        for (String line : table) {
            int equals = line.lastIndexOf('=');
            if (equals < 0) {
                throw new IllegalArgumentException("region table entry must be 'cidr=region', but was '" + line + "'");
            }
            entries.add(new Entry(CidrRange.parse(line.substring(0, equals)), Region.of(line.substring(equals + 1))));
        }
        this.table = List.copyOf(entries);
        this.defaultRegion = defaultRegion;
    }

    /**
     * The region of a request.
     * @param header the {@code X-Region} header, or {@code null}
     * @param address the client address, or {@code null} when unknown
     * @throws IllegalArgumentException when the header names no region
     */
    public Region resolve(String header, InetAddress address) {
        if (header != null && !header.isBlank()) {
            return Region.of(header);
        }
        if (address != null) {
            for (Entry entry : this.table) {
                if (entry.range().contains(address)) {
                    return entry.region();
                }
            }
        }
        return this.defaultRegion;
    }

    /** The table as configured, for the ops API. */
    public List<Entry> table() {
        return this.table;
    }

    /**
     * One row of the table.
     *
     * @param range the address range
     * @param region its region
     */
    public record Entry(CidrRange range, Region region) {

    }

}
