package io.wmb.processor.web;

import java.io.IOException;
import java.io.Writer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpStatus;

/**
 * Writes Tomcat's own error answers as {@code application/problem+json} instead of an HTML page: those for requests
 * Tomcat rejects before any filter or servlet runs, such as header fields over
 * {@code server.max-http-request-header-size}. Such a request gets {@code 431 Request Header Fields Too Large}
 * (Tomcat says 400). Errors of the application never reach this valve: Spring answers them first.
 */
public class ProblemErrorReportValve extends ErrorReportValve {

    private static final Logger logger = LoggerFactory.getLogger(ProblemErrorReportValve.class);

    private static final JsonMapper json = JsonMapper.builder().build();

    /** Tomcat's message for headers over the limit ({@code iib.requestheadertoolarge.error}). */
    private static final String HEADER_TOO_LARGE = "Request header is too large";

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        // The same guards as Tomcat's own report: only an error that nothing has answered yet, once.
        if (response.getStatus() < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        AtomicBoolean ioAllowed = new AtomicBoolean(true);
        response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
        if (!ioAllowed.get()) {
            return;
        }
        String detail;
        if (throwable != null && HEADER_TOO_LARGE.equals(throwable.getMessage())) {
            response.setStatus(HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE.value());
            detail = "The request's header fields are too large for this processor. Send fewer or shorter headers.";
        }
        else {
            String message = (response.getMessage() != null) ? response.getMessage()
                    : (throwable != null) ? throwable.getMessage() : null;
            detail = (message != null && !message.isBlank()) ? message : "The request could not be processed";
        }
        HttpStatus status = HttpStatus.resolve(response.getStatus());
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", "about:blank");
        problem.put("title", (status != null) ? status.getReasonPhrase() : "Error");
        problem.put("status", response.getStatus());
        problem.put("detail", detail);
        try {
            response.setContentType("application/problem+json");
            response.setCharacterEncoding("UTF-8");
            Writer writer = response.getReporter();
            if (writer != null) {
                writer.write(json.writeValueAsString(problem));
                response.finishResponse();
            }
        }
        catch (IOException | IllegalStateException ex) {
            // The client is gone or the response was taken over meanwhile: nothing more to tell it.
            logger.debug("Could not write the problem for status {}", response.getStatus(), ex);
        }
    }
}
