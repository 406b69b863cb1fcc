package io.wmb.processor.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

import io.wmb.processor.version.RequestIds;

import org.slf4j.MDC;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Gives every request its request id (the client's {@code X-Request-Id} if it sent a valid one), puts it in the
 * logging context and on the response with {@code X-WMB-Datacenter}, and limits the request body's size.
 */
public class RequestIdFilter extends OncePerRequestFilter {

    /** Request attribute: the request id. */
    public static final String REQUEST_ID = RequestIdFilter.class.getName() + ".requestId";

    /**
     * Request attribute: the client's idempotency key ({@code Idempotency-Key}, else its own request id, unless a
     * gateway made that id).
     */
    public static final String IDEMPOTENCY_KEY = RequestIdFilter.class.getName() + ".idempotencyKey";

    /** Header of the request id. */
    public static final String REQUEST_ID_HEADER = "X-Request-Id";

    /**
     * Header a gateway adds to a request id it made (value {@code true}): such an id names the request but is no
     * client's idempotency key, since nobody can send it again, so its response is not remembered.
     */
    public static final String GENERATED_HEADER = "X-WMB-Request-Id-Generated";

    /** Header naming the datacenter that served a request. */
    public static final String DATACENTER_HEADER = "X-WMB-Datacenter";

    /** Header of a client's idempotency key. */
    public static final String IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";

    private final RequestIds requestIds;

    private final String datacenter;

    private final long maxBodyBytes;

    /**
     * Creates the filter.
     * @param requestIds makes request ids
     * @param datacenter this datacenter
     * @param maxBodyBytes the largest request body accepted
     */
    public RequestIdFilter(RequestIds requestIds, String datacenter, long maxBodyBytes) {
        this.requestIds = requestIds;
        this.datacenter = datacenter;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        response.setHeader(DATACENTER_HEADER, datacenter);
        String sent = request.getHeader(REQUEST_ID_HEADER);
        String key = request.getHeader(IDEMPOTENCY_KEY_HEADER);
        String requestId = RequestIds.isValid(sent) ? sent : requestIds.next();
        response.setHeader(REQUEST_ID_HEADER, requestId);
        MDC.put("requestId", requestId);
        try {
            if (sent != null && !RequestIds.isValid(sent)) {
                reject(response, HttpServletResponse.SC_BAD_REQUEST, "Bad Request", "Header 'X-Request-Id' must be 1 to "
                        + "128 characters of letters, digits and . _ : -");
                return;
            }
            if (key != null && !RequestIds.isValid(key)) {
                reject(response, HttpServletResponse.SC_BAD_REQUEST, "Bad Request", "Header 'Idempotency-Key' must be "
                        + "1 to 128 characters of letters, digits and . _ : -");
                return;
            }
            if (request.getContentLengthLong() > maxBodyBytes) {
                reject(response, HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE, "Content Too Large",
                        "Request body must be at most " + maxBodyBytes + " bytes, but was "
                                + request.getContentLengthLong());
                return;
            }
            request.setAttribute(REQUEST_ID, requestId);
            if (key != null) {
                request.setAttribute(IDEMPOTENCY_KEY, key);
            }
            else if (sent != null && !"true".equals(request.getHeader(GENERATED_HEADER))) {
                request.setAttribute(IDEMPOTENCY_KEY, sent);
            }
            chain.doFilter(new LimitedBodyRequest(request, maxBodyBytes), response);
        }
        finally {
            MDC.remove("requestId");
        }
    }

    private static void reject(HttpServletResponse response, int status, String title, String detail)
            throws IOException {
        response.setStatus(status);
        response.setContentType("application/problem+json");
        String body = "{\"type\":\"about:blank\",\"title\":\"" + title + "\",\"status\":" + status
                + ",\"detail\":\"" + detail.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
        response.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
    }

    /** Stops reading a body (also a chunked one, which has no length up front) once it passes the limit. */
    private static final class LimitedBodyRequest extends HttpServletRequestWrapper {

        private final long limit;

        private ServletInputStream stream;

        LimitedBodyRequest(HttpServletRequest request, long limit) {
            super(request);
            this.limit = limit;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (stream == null) {
                stream = new LimitedInputStream(super.getInputStream(), limit);
            }
            return stream;
        }

    }

    private static final class LimitedInputStream extends ServletInputStream {

        private final ServletInputStream delegate;

        private final long limit;

        private long read;

        LimitedInputStream(ServletInputStream delegate, long limit) {
            this.delegate = delegate;
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = delegate.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = delegate.read(buffer, offset, length);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) throws IOException {
            read += n;
            if (read > limit) {
                throw new BodyTooLargeException(limit);
            }
        }

        @Override
        public boolean isFinished() {
            return delegate.isFinished();
        }

        @Override
        public boolean isReady() {
            return delegate.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            delegate.setReadListener(listener);
        }

        @Override
        public int available() throws IOException {
            return delegate.available();
        }

        @Override
        public void close() throws IOException {
            delegate.close();
        }

    }

}
