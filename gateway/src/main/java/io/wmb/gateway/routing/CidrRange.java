package io.wmb.gateway.routing;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An address range such as {@code 10.0.0.0/8} or {@code 2001:db8::/32}.
 *
 * @param network the range's first address
 * @param prefixLength how many leading bits must match
 */
public record CidrRange(InetAddress network, int prefixLength) {

    public CidrRange {
        int bits = network.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix length must be between 0 and " + bits + ", but was "
                    + prefixLength);
        }
    }

    /**
     * Parses {@code address/prefix}; a bare address is a single-address range. Only literal addresses are
     * accepted: no name lookups.
     */
    public static CidrRange parse(String text) {
        String trimmed = text.trim();
        int slash = trimmed.indexOf('/');
        String address = (slash >= 0) ? trimmed.substring(0, slash) : trimmed;
        if (address.isEmpty() || !(address.indexOf(':') >= 0 || address.chars().allMatch(
                (c) -> c == '.' || Character.isDigit(c)))) {
            throw new IllegalArgumentException("address range must be an IP literal with an optional /prefix, "
                    + "but was '" + text + "'");
        }
        InetAddress network;
        try {
            network = InetAddress.getByName(address);
        }
        catch (UnknownHostException ex) {
            throw new IllegalArgumentException("address range must be an IP literal, but was '" + text + "'", ex);
        }
        int bits = network.getAddress().length * 8;
        try {
            return new CidrRange(network, (slash >= 0) ? Integer.parseInt(trimmed.substring(slash + 1)) : bits);
        }
        catch (NumberFormatException ex) {
            throw new IllegalArgumentException("prefix must be a number, but was '" + text + "'", ex);
        }
    }

    /** Whether the address lies in this range (an IPv4 address never matches an IPv6 range). */
    public boolean contains(InetAddress address) {
        byte[] candidate = address.getAddress();
        byte[] base = this.network.getAddress();
        if (candidate.length != base.length) {
            return false;
        }
        int full = this.prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (candidate[i] != base[i]) {
                return false;
            }
        }
        int rest = this.prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (candidate[full] & mask) == (base[full] & mask);
    }

    @Override
    public String toString() {
        return this.network.getHostAddress() + "/" + this.prefixLength;
    }

}
