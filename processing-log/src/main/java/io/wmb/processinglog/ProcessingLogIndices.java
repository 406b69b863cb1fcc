package io.wmb.processinglog;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import co.elastic.clients.elasticsearch.ElasticsearchClient;

/**
 * Index naming and the index templates of the processing log: one index per UTC day
 * ({@code wmb-processing-log-YYYY.MM.DD}), all created from the composable template {@value #TEMPLATE}, so
 * that retention is "delete whole days" (the local cluster has no ILM and no delete-by-query); and the index
 * {@value #WRITERS}, one {@link WriterWatermark} per writer, from a template of the same name. That name lies
 * outside {@link #pattern()} on purpose: searches of the records and the records' template must not see it.
 */
public final class ProcessingLogIndices {

    /** Name of the composable index template, and prefix of every index. */
    public static final String TEMPLATE = "wmb-processing-log";

    /** The index of the writers' watermarks, and the name of its template. */
    public static final String WRITERS = "wmb-processing-writers";

    private static final String TEMPLATE_RESOURCE = "processing-log-template.json";

    private static final String WRITERS_TEMPLATE_RESOURCE = "processing-writers-template.json";

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
        putTemplate(client, TEMPLATE, TEMPLATE_RESOURCE);
    }

    /**
     * Puts the template of the {@value #WRITERS} index (idempotent). Must run before a writer first publishes its
     * watermark, or Elasticsearch guesses the mapping.
     * @param client the client to use
     * @throws UncheckedIOException when Elasticsearch cannot be reached
     */
    public static void ensureWritersTemplate(ElasticsearchClient client) {
        putTemplate(client, WRITERS, WRITERS_TEMPLATE_RESOURCE);
    }

    private static void putTemplate(ElasticsearchClient client, String name, String resource) {
        try (InputStream json = ProcessingLogIndices.class.getResourceAsStream(resource)) {
            if (json == null) {
                throw new IllegalStateException("resource " + resource + " is missing from the jar");
            }
            client.indices().putIndexTemplate(template -> template.withJson(json).name(name));
        }
        catch (IOException ex) {
            throw new UncheckedIOException("cannot put index template " + name, ex);
        }
    }

}
