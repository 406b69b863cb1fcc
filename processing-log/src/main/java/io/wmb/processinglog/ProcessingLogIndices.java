package io.wmb.processinglog;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import co.elastic.clients.elasticsearch.ElasticsearchClient;

/**
 * Index naming and the index template of the processing log: one index per UTC day
 * ({@code wmb-processing-log-YYYY.MM.DD}), all created from the composable template {@value #TEMPLATE}, so
 * that retention is "delete whole days" (the local cluster has no ILM and no delete-by-query).
 */
public final class ProcessingLogIndices {

    /** Name of the composable index template, and prefix of every index. */
    public static final String TEMPLATE = "wmb-processing-log";

    private static final String TEMPLATE_RESOURCE = "processing-log-template.json";

    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy.MM.dd").withZone(ZoneOffset.UTC);

    private ProcessingLogIndices() {
    }

    /**
     * The index that holds records of the given instant.
     * @param at when the stage ended
     * @return for example {@code wmb-processing-log-2025.03.01}
     */
    public static String indexFor(Instant at) {
        return TEMPLATE + "-" + DAY.format(at);
    }

    /**
     * The pattern that matches every day's index, for searches.
     * @return {@code wmb-processing-log-*}
     */
    public static String pattern() {
        return TEMPLATE + "-*";
    }

    /**
     * Puts the index template (idempotent: it replaces the template with the same content). Must run before
     * the first record of a day is indexed, or Elasticsearch guesses the mapping.
     * @param client the client to use
     * @throws UncheckedIOException when Elasticsearch cannot be reached
     */
    public static void ensureTemplate(ElasticsearchClient client) {
        try (InputStream json = ProcessingLogIndices.class.getResourceAsStream(TEMPLATE_RESOURCE)) {
            if (json == null) {
                throw new IllegalStateException("resource " + TEMPLATE_RESOURCE + " is missing from the jar");
            }
            client.indices().putIndexTemplate(template -> template.withJson(json).name(TEMPLATE));
        }
        catch (IOException ex) {
            throw new UncheckedIOException("cannot put index template " + TEMPLATE, ex);
        }
    }

}
