package io.wmb.processinglog;

import java.net.URI;

import io.wmb.infra.Infrastructure;

/**
 * The Elasticsearch node the integration tests use: the shared, real one of the infrastructure module.
 */
final class TestElasticsearch {

    private TestElasticsearch() {
    }

    static String url() {
        return Infrastructure.shared().elasticsearchUrl();
    }

    /** The node's port, to route it through the inter-datacenter link simulator. */
    static int port() {
        return URI.create(url()).getPort();
    }

}
