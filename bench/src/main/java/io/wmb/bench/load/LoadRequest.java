package io.wmb.bench.load;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;
import java.util.Objects;

/**
 * One request of a load run, as {@link HttpLoad} sends it: a plain description that its own HTTP/1.1 client
 * formats to bytes. {@code Host} and {@code Content-Length} are the client's; any given here are ignored.
 * @param method e.g. {@code GET}
 * @param uri an {@code http} URI, absolute
 * @param headers further request headers, one value each
 * @param body the request body, empty for none
 */
public record LoadRequest(String method, URI uri, Map<String, String> headers, byte[] body) {

    private static final byte[] NO_BODY = new byte[0];

    /**
     * Checks the request and fills in defaults: no headers, no body.
     * @param method e.g. {@code GET}
     * @param uri an {@code http} URI, absolute
     * @param headers further request headers, or {@code null}
     * @param body the request body, or {@code null}
     */
    public LoadRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(uri, "uri");
        if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("an absolute http URI is needed, but was " + uri);
        }
        headers = (headers != null) ? headers : Map.of();
        body = (body != null) ? body : NO_BODY;
    }

    /**
     * A {@code GET} with the given headers.
     * @param uri an {@code http} URI
     * @param headers request headers
     * @return the request
     */
    public static LoadRequest get(URI uri, Map<String, String> headers) {
        return new LoadRequest("GET", uri, headers, null);
    }

    /**
     * A {@code POST} of {@code body} with the given headers.
     * @param uri an {@code http} URI
     * @param headers request headers, {@code Content-Type} included
     * @param body the request body
     * @return the request
     */
    public static LoadRequest post(URI uri, Map<String, String> headers, byte[] body) {
        return new LoadRequest("POST", uri, headers, body);
    }

    /**
     * The same request for {@code java.net.http}, for the odd call outside a load run that needs the answer's body.
     * @return an equivalent {@link HttpRequest}
     */
    public HttpRequest toHttpRequest() {
        HttpRequest.Builder builder = HttpRequest.newBuilder(this.uri)
            .method(this.method, (this.body.length == 0) ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(this.body));
        this.headers.forEach(builder::header);
        return builder.build();
    }
}
