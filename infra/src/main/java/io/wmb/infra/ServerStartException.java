package io.wmb.infra;

/** A server did not come up; carries the server's own last log lines. */
public class ServerStartException extends RuntimeException {

    private final String server;

    private final String reason;

    private final String logTail;

    public ServerStartException(String server, String reason, String logTail, Throwable cause) {
        super(server + ": " + reason, cause);
        this.server = server;
        this.reason = reason;
        this.logTail = (logTail != null) ? logTail : "";
    }

    /** The server's name, e.g. {@code mariadb-unicom}. */
    public String server() {
        return this.server;
    }

    /** What went wrong, without the server's name in front. */
    public String reason() {
        return this.reason;
    }

    /** The last lines the server logged, possibly empty. */
    public String logTail() {
        return this.logTail;
    }
}
