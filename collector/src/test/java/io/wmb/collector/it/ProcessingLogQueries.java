package io.wmb.collector.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the processing log in Elasticsearch the way an operator would: by requestId, datacenter and stage.
 */
final class ProcessingLogQueries {

    private static final Pattern COUNT = Pattern.compile("\"count\"\\s*:\\s*(\\d+)");

    private final HttpClient http = HttpClient.newHttpClient();

    private final String elasticsearchUrl;

    ProcessingLogQueries(String elasticsearchUrl) {
        this.elasticsearchUrl = elasticsearchUrl;
    }

    /** How many records match; 0 while the index does not exist yet. */
    long count(String requestId, String datacenter, String stage, String outcome) {
        String query = """
                {"query": {"bool": {"filter": [
                  {"term": {"requestId": "%s"}}, {"term": {"datacenter": "%s"}},
                  {"term": {"stage": "%s"}}, {"term": {"outcome": "%s"}}]}}}
                """.formatted(requestId, datacenter, stage, outcome);
        HttpRequest request = HttpRequest.newBuilder(
                URI.create(this.elasticsearchUrl + "/wmb-processing-log-*/_count?allow_no_indices=true"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(query))
            .build();
        try {
            HttpResponse<String> response = this.http.send(request, HttpResponse.BodyHandlers.ofString());
            Matcher matcher = COUNT.matcher(response.body());
            return (response.statusCode() == 200 && matcher.find()) ? Long.parseLong(matcher.group(1)) : 0;
        }
        catch (IOException ex) {
            return 0;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

}
