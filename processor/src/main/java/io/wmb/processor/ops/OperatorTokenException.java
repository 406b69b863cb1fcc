package io.wmb.processor.ops;

/**
 * An operator change without the operator token, or with a wrong one: answered 401 with
 * {@code WWW-Authenticate: Bearer}.
 */
public class OperatorTokenException extends RuntimeException {

    OperatorTokenException(String message) {
        super(message);
    }

}
