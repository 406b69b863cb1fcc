package io.wmb.reconciler.web;

import java.io.IOException;

import io.wmb.reconciler.deadletter.DeadLetterNotFoundException;
import io.wmb.reconciler.redrive.RedriveFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Turns failures into {@code application/problem+json} with a readable {@code detail}.
 */
@RestControllerAdvice
class ReconcilerExceptionHandler extends ResponseEntityExceptionHandler {

    private static final Logger logger = LoggerFactory.getLogger(ReconcilerExceptionHandler.class);

    @ExceptionHandler(IllegalArgumentException.class)
    ProblemDetail badRequest(IllegalArgumentException ex) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, ex.getMessage());
    }

    @ExceptionHandler(DeadLetterNotFoundException.class)
    ProblemDetail notFound(DeadLetterNotFoundException ex) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, ex.getMessage());
    }

    @ExceptionHandler(RedriveFailedException.class)
    ProblemDetail redriveFailed(RedriveFailedException ex) {
        logger.warn("Operator re-drive failed: {}", ex.getMessage());
        return ProblemDetail.forStatusAndDetail(HttpStatus.BAD_GATEWAY, ex.getMessage());
    }

    @ExceptionHandler(IOException.class)
    ProblemDetail unavailable(IOException ex) {
        logger.warn("Elasticsearch unavailable: {}", ex.toString());
        return ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
                "the processing-log cluster cannot be reached: " + ex.getMessage());
    }

}
