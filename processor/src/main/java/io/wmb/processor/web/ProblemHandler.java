package io.wmb.processor.web;

import java.util.stream.Collectors;

import io.wmb.processor.idempotency.IdempotencyConflictException;
import io.wmb.processor.ops.OperatorTokenException;
import io.wmb.processor.post.InvalidRequestException;
import io.wmb.processor.post.PostNotFoundException;
import io.wmb.processor.post.WriteConflictException;
import io.wmb.processor.topology.NotMasterDatacenterException;
import redis.clients.jedis.exceptions.JedisException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * Turns failures into {@code application/problem+json} responses whose {@code detail} says what was wrong.
 */
@RestControllerAdvice
public class ProblemHandler extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);

    @ExceptionHandler(InvalidRequestException.class)
    ProblemDetail invalid(InvalidRequestException ex) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, ex.getMessage());
    }

    @ExceptionHandler(OperatorTokenException.class)
    ResponseEntity<ProblemDetail> unauthorized(OperatorTokenException ex) {
        return ResponseEntity.status(HttpStatus.UNAUTHORIZED)
            .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
            .body(ProblemDetail.forStatusAndDetail(HttpStatus.UNAUTHORIZED, ex.getMessage()));
    }

    @ExceptionHandler(PostNotFoundException.class)
    ProblemDetail notFound(PostNotFoundException ex) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, ex.getMessage());
    }

    @ExceptionHandler(WriteConflictException.class)
    ProblemDetail conflict(WriteConflictException ex) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, ex.getMessage());
    }

    @ExceptionHandler(IdempotencyConflictException.class)
    ProblemDetail idempotency(IdempotencyConflictException ex) {
        return ProblemDetail.forStatusAndDetail(ex.inProgress() ? HttpStatus.CONFLICT
                : HttpStatus.UNPROCESSABLE_CONTENT, ex.getMessage());
    }

    @ExceptionHandler(NotMasterDatacenterException.class)
    ProblemDetail notMaster(NotMasterDatacenterException ex) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, ex.getMessage());
    }

    @ExceptionHandler({ DataAccessException.class, JedisException.class })
    ProblemDetail storageUnavailable(RuntimeException ex) {
        log.warn("Storage failed: {}", ex.toString());
        return ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
                "Storage is unavailable in this datacenter; retry, possibly in the other datacenter");
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        Throwable cause = ex.getCause();
        HttpStatus answer = HttpStatus.BAD_REQUEST;
        String detail;
        if (findCause(ex, BodyTooLargeException.class) instanceof BodyTooLargeException tooLarge) {
            answer = HttpStatus.CONTENT_TOO_LARGE;
            detail = tooLarge.getMessage();
        }
        else if (cause instanceof UnrecognizedPropertyException unknown) {
            detail = "Unknown field '" + unknown.getPropertyName() + "'; allowed: " + unknown.getKnownPropertyIds()
                .stream()
                .map(String::valueOf)
                .sorted()
                .collect(Collectors.joining(", "));
        }
        else if (cause instanceof MismatchedInputException mismatch && !mismatch.getPath().isEmpty()) {
            String field = mismatch.getPath().get(mismatch.getPath().size() - 1).getPropertyName();
            detail = "Field '" + field + "' must be " + describe(mismatch.getTargetType());
        }
        else if (cause instanceof MismatchedInputException) {
            detail = "Request body must be a JSON object";
        }
        else if (cause instanceof StreamReadException parse) {
            detail = "Request body is not valid JSON: " + parse.getOriginalMessage();
        }
        else if (cause instanceof JacksonException other) {
            detail = "Request body could not be read: " + other.getOriginalMessage();
        }
        else {
            detail = "Request body is missing or not readable";
        }
        return ResponseEntity.status(answer).body(ProblemDetail.forStatusAndDetail(answer, detail));
    }

    @Override
    protected ResponseEntity<Object> handleTypeMismatch(TypeMismatchException ex, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        String name = (ex instanceof MethodArgumentTypeMismatchException mismatch) ? mismatch.getName()
                : ex.getPropertyName();
        String detail = "'" + name + "' must be " + describe(ex.getRequiredType()) + ", but was '" + ex.getValue()
                + "'";
        return ResponseEntity.badRequest().body(ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, detail));
    }

    private static String describe(Class<?> type) {
        if (type == null) {
            return "of another type";
        }
        if (type == Long.class || type == long.class || type == Integer.class || type == int.class) {
            return "a whole number";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        return "a " + type.getSimpleName();
    }

    private static Throwable findCause(Throwable ex, Class<? extends Throwable> type) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return t;
            }
        }
        return null;
    }

}
