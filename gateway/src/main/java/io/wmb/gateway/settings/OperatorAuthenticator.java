package io.wmb.gateway.settings;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ResponseStatusException;

/**
 * Checks the operator credential of a change: {@code Authorization: Bearer <token>} with one of the
 * configured operators' tokens. Reading needs no credential.
 */
public class OperatorAuthenticator {

    private final Map<String, String> operators;

    /**
     * @param operators operator name to token
     */
    public OperatorAuthenticator(Map<String, String> operators) {
        this.operators = Map.copyOf(operators);
    }

    /**
     * The operator a request's token belongs to.
     * @throws ResponseStatusException 401 when the token is missing or unknown
     */
    public String authenticate(ServerHttpRequest request) {
        String header = request.getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new UnauthorizedException("This change needs an operator token: "
                    + "send 'Authorization: Bearer <WMB_OPERATOR_TOKEN>'");
        }
        byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        String match = null;
        // Compare against every token in constant time, so that timing tells nothing about which is close.
        for (Map.Entry<String, String> operator : this.operators.entrySet()) {
            if (MessageDigest.isEqual(given, operator.getValue().getBytes(StandardCharsets.UTF_8))) {
                match = operator.getKey();
            }
        }
        if (match == null) {
            throw new UnauthorizedException("The operator token is not valid");
        }
        return match;
    }

    /**
     * A missing or wrong operator token; answered 401 with a Bearer challenge.
     */
    public static class UnauthorizedException extends ResponseStatusException {

        UnauthorizedException(String reason) {
            super(HttpStatus.UNAUTHORIZED, reason);
        }

        @Override
        public HttpHeaders getHeaders() {
            HttpHeaders headers = new HttpHeaders();
            headers.set(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"wmb-ops\"");
            return headers;
        }

    }

}
