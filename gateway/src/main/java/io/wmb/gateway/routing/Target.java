package io.wmb.gateway.routing;

import java.net.URI;

/**
 * A server the gateway forwards to: a datacenter's gateway (at the edge) or a processor (at a datacenter
 * gateway).
 *
 * @param id stable name, used for hashing and in the ops API
 * @param uri base address
 * @param datacenter the datacenter the server runs in
 */
public record Target(String id, URI uri, Datacenter datacenter) {

    public Target {
        if (uri == null || uri.getScheme() == null || uri.getHost() == null) {
            throw new IllegalArgumentException("target '" + id + "' needs an absolute http(s) URI, but was " + uri);
        }
    }

}
