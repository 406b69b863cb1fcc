package io.wmb.gateway.routing;

import java.net.InetSocketAddress;

import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * What a request is hashed on: the user when it says who it is, otherwise the client address.
 */
public final class ClientKeys {

    /** Request header with the user id. */
    public static final String USER_HEADER = "X-User-Id";

    /** Request header with which the edge names the client to a datacenter gateway ({@link ProxyHeadersFilter}). */
    public static final String ADDRESS_HEADER = "X-Forwarded-For";

    private ClientKeys() {
    }

    /**
     * The routing key of a request.
     * @param forwarded whether to take the address from {@code X-Forwarded-For} (behind the edge, whose
     * address every request would otherwise share); only ever used for spreading, never for trust
     */
    public static String of(ServerHttpRequest request, boolean forwarded) {
        String user = request.getHeaders().getFirst(USER_HEADER);
        if (user != null && !user.isBlank()) {
            return "user:" + user.trim();
        }
        if (forwarded) {
            String chain = request.getHeaders().getFirst(ADDRESS_HEADER);
            if (chain != null && !chain.isBlank()) {
                return "address:" + chain.split(",")[0].trim();
            }
        }
        return "address:" + address(request);
    }

    /** The address of the peer that sent the request, or {@code unknown}. */
    public static String address(ServerHttpRequest request) {
        InetSocketAddress remote = request.getRemoteAddress();
        if (remote == null) {
            return "unknown";
        }
        return (remote.getAddress() != null) ? remote.getAddress().getHostAddress() : remote.getHostString();
    }

}
