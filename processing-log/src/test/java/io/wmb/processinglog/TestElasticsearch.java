package io.wmb.processinglog;

/**
 * The Elasticsearch node integration tests use.
 */
final class TestElasticsearch {

    private TestElasticsearch() {
    }

    static String url() {
        return System.getProperty("wmb.test.elasticsearch.url", "http://127.0.0.1:19877");
    }

}
