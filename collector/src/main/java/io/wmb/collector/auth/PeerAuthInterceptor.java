package io.wmb.collector.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Lets only the peer datacenter in: the caller must send {@code authorization: Bearer <shared secret>}
 * (else UNAUTHENTICATED) and {@code wmb-datacenter: <the configured peer>} (else PERMISSION_DENIED).
 */
public final class PeerAuthInterceptor implements ServerInterceptor {

    /** Metadata naming the calling datacenter. */
    public static final Metadata.Key<String> DATACENTER_HEADER =
            Metadata.Key.of("wmb-datacenter", Metadata.ASCII_STRING_MARSHALLER);

    /** Metadata carrying {@code Bearer <secret>}. */
    public static final Metadata.Key<String> AUTHORIZATION_HEADER =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private static final String BEARER = "Bearer ";

    private final String peerDatacenter;

    private final byte[] secret;

    /**
     * Creates the interceptor.
     * @param peerDatacenter the only datacenter allowed to call
     * @param secret the shared secret
     */
    public PeerAuthInterceptor(String peerDatacenter, String secret) {
        if (secret == null || secret.isBlank()) {
            throw new IllegalArgumentException("the peer secret must not be blank");
        }
        this.peerDatacenter = peerDatacenter;
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        if (!hasSecret(headers.get(AUTHORIZATION_HEADER))) {
            call.close(Status.UNAUTHENTICATED.withDescription("missing or wrong peer credentials"), new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        String caller = headers.get(DATACENTER_HEADER);
        if (!this.peerDatacenter.equals(caller)) {
            call.close(Status.PERMISSION_DENIED.withDescription("datacenter '" + caller
                    + "' may not deliver here; only '" + this.peerDatacenter + "' may"), new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        return next.startCall(call, headers);
    }

    private boolean hasSecret(String authorization) {
        if (authorization == null || !authorization.startsWith(BEARER)) {
            return false;
        }
        byte[] presented = authorization.substring(BEARER.length()).getBytes(StandardCharsets.UTF_8);
        // Constant time: how much of the secret matched must not show in the response time.
        return MessageDigest.isEqual(presented, this.secret);
    }

}
