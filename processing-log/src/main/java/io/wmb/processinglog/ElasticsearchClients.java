package io.wmb.processinglog;

import java.time.Duration;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import org.apache.http.HttpHost;
import org.elasticsearch.client.RestClient;

/**
 * The one place that builds Elasticsearch clients, so that every module talks to the processing-log cluster
 * the same way: the 8.19 Java client over the low-level REST client, Jackson 2 for JSON.
 *
 * <p>The local cluster is a minimal distribution without {@code GET /}: never call {@code info()} or
 * {@code ping()} on these clients; ask {@code cluster().health()} instead.
 *
 * <p>Close a client with {@code client._transport().close()}; that closes its connection pool.
 */
public final class ElasticsearchClients {

    /** How long a request may take when the caller names no timeout. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private static final int CONNECT_TIMEOUT_MILLIS = 1_000;

    private ElasticsearchClients() {
    }

    /**
     * A client with the {@link #DEFAULT_TIMEOUT default timeout}.
     * @param url the node, for example {@code http://127.0.0.1:9200}
     * @return a new client; the caller owns it
     */
    public static ElasticsearchClient create(String url) {
        return create(url, DEFAULT_TIMEOUT);
    }

    /**
     * A client whose requests fail after {@code timeout}: a cut inter-datacenter link may swallow packets
     * without refusing the connection, and nobody should wait for that forever.
     * @param url the node, for example {@code http://127.0.0.1:9200}
     * @param timeout the longest one request may wait for its answer
     * @return a new client; the caller owns it
     */
    public static ElasticsearchClient create(String url, Duration timeout) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("url must not be blank, but was '" + url + "'");
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, but was " + timeout);
        }
        int socketTimeout = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        RestClient restClient = RestClient.builder(HttpHost.create(url))
                .setRequestConfigCallback(config -> config
                        .setConnectTimeout(Math.min(CONNECT_TIMEOUT_MILLIS, socketTimeout))
                        .setConnectionRequestTimeout(socketTimeout)
                        .setSocketTimeout(socketTimeout))
                .build();
        return new ElasticsearchClient(new RestClientTransport(restClient, new JacksonJsonpMapper()));
    }

    /**
     * The low-level REST client under a client built here, for requests the typed API makes costly (a bulk body in
     * one buffer, a search answer filtered to a few fields). The client still owns it: close the client, not it.
     * @param client a client from {@link #create}
     * @return its REST client
     * @throws IllegalArgumentException when the client was built elsewhere, on another transport
     */
    public static RestClient restClient(ElasticsearchClient client) {
        if (!(client._transport() instanceof RestClientTransport transport)) {
            throw new IllegalArgumentException("client must use the REST client transport (ElasticsearchClients), "
                    + "but used " + client._transport().getClass().getName());
        }
        return transport.restClient();
    }

}
