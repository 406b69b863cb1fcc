package io.wmb.reconciler.web;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Lets only operators (bearer token {@code WMB_OPERATOR_TOKEN}) see and re-drive dead letters.
 */
final class OperatorTokenInterceptor implements HandlerInterceptor {

    private final byte[] token;

    OperatorTokenInterceptor(String token) {
        this.token = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
            throws Exception {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        // Constant-time comparison: the answer's timing must not tell how much of a guess was right.
        if (header != null && MessageDigest.isEqual(this.token, header.getBytes(StandardCharsets.UTF_8))) {
            return true;
        }
        response.setStatus(HttpStatus.UNAUTHORIZED.value());
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.getWriter().write("{\"type\":\"about:blank\",\"title\":\"Unauthorized\",\"status\":401,"
                + "\"detail\":\"the dead-letter API needs the operator token: Authorization: Bearer <WMB_OPERATOR_TOKEN>\","
                + "\"instance\":\"" + request.getRequestURI().replace("\"", "") + "\"}");
        return false;
    }

}
