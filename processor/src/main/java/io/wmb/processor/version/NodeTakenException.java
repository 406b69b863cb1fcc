package io.wmb.processor.version;

/** Another running processor of the datacenter holds the node number this one was given. */
public class NodeTakenException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     * @param message which node, who holds it, and what to do
     */
    public NodeTakenException(String message) {
        super(message);
    }

}
