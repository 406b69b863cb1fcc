package io.wmb.infra;

/** A server did not come up; carries the server's own last log lines. */
public class ServerStartException extends RuntimeException {

    private final String server;

    private final String logTail;

    public ServerStartException(String server, String message, String logTail, Throwable cause) {
        super(server + ": " + message, cause);
        this.server = server;
        this.logTail = (logTail != null) ? logTail : "";
    }

    /** The server's name, e.g. {@code mariadb-unicom}. */
    public String server() {
        return this.server;
    }

    /** The last lines the server logged, possibly empty. */
    public String logTail() {
        return this.logTail;
    }
}
