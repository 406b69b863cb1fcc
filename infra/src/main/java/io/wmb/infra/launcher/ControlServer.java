package io.wmb.infra.launcher;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.wmb.infra.Datacenter;
import io.wmb.infra.LinkSimulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The supervisor's HTTP API on 127.0.0.1:8090 (JSON): {@code GET /status} (every server and service),
 * {@code GET /link}, {@code POST /link/cut}, {@code POST /link/heal}, {@code POST /link/latency?rttMs=40},
 * {@code POST /link/stalls?enabled=true&minPauseMs=50&maxPauseMs=800&intervalMs=1000&seed=1} (packet-like stalls;
 * every parameter but {@code enabled} optional),
 * {@code POST /services/{name}/stop} and {@code POST /services/{name}/start} (one service, e.g. to inject a fault),
 * {@code POST /servers/{redis-unicom|redis-telecom}/start} (a Redis that died, from its append-only file).
 * {@code GET /status.txt} is the same status as tab-separated lines, for {@code ./wmb}. Errors are
 * {@code application/problem+json}.
 */
final class ControlServer {

    private static final Logger logger = LoggerFactory.getLogger(ControlServer.class);

    private final int port;

    private final SupervisorView supervisor;

    private HttpServer server;

    private final InetAddress bindAddress;

    ControlServer(int port, SupervisorView supervisor) {
        this(InetAddress.getLoopbackAddress(), port, supervisor);
    }

    /** A control API on another address: every interface when the link runs in a container. */
    ControlServer(InetAddress bindAddress, int port, SupervisorView supervisor) {
        this.bindAddress = bindAddress;
        this.port = port;
        this.supervisor = supervisor;
    }

    /** The port it listens on (the configured one, or the one picked for 0). */
    int port() {
        return this.server.getAddress().getPort();
    }

    void start() throws IOException {
        try {
            this.server = HttpServer.create(new InetSocketAddress(this.bindAddress, this.port), 50);
        }
        catch (IOException ex) {
            throw new IOException("port " + this.port + " (link control API) is already taken by another process", ex);
        }
        this.server.createContext("/", this::handle);
        this.server.setExecutor(Executors.newFixedThreadPool(2, (task) -> {
            Thread thread = new Thread(task, "wmb-control-http");
            thread.setDaemon(true);
            return thread;
        }));
        this.server.start();
        logger.info("Control API on http://{}:{}", this.bindAddress.getHostAddress(), this.port);
    }

    void stop() {
        if (this.server != null) {
            this.server.stop(0);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            route(exchange);
        }
        catch (BadRequestException ex) {
            problem(exchange, 400, "Bad Request", ex.getMessage());
        }
        catch (NotFoundException ex) {
            problem(exchange, 404, "Not Found", ex.getMessage());
        }
        catch (UnavailableException ex) {
            problem(exchange, 503, "Service Unavailable", ex.getMessage());
        }
        catch (RuntimeException ex) {
            logger.warn("Control API request failed", ex);
            problem(exchange, 500, "Internal Server Error", String.valueOf(ex.getMessage()));
        }
        finally {
            exchange.close();
        }
    }

    private void route(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
        if (path.startsWith("/services/")) {
            serviceAction(exchange, method, path);
            return;
        }
        if (path.startsWith("/servers/")) {
            serverAction(exchange, method, path);
            return;
        }
        if (path.startsWith("/datacenters/")) {
            datacenterAction(exchange, method, path);
            return;
        }
        switch (path) {
            case "/status" -> onlyGet(exchange, method, () -> statusJson());
            case "/status.txt" -> {
                if (requireMethod(exchange, method, "GET")) {
                    send(exchange, 200, "text/plain", statusText());
                }
            }
            case "/link" -> onlyGet(exchange, method, () -> linkJson(link()));
            case "/link/cut" -> linkAction(exchange, method, LinkSimulator::cut);
            case "/link/heal" -> linkAction(exchange, method, LinkSimulator::heal);
            case "/link/latency" -> linkAction(exchange, method, (link) -> link.setRoundTrip(
                    Duration.ofMillis(rttMillis(exchange.getRequestURI().getRawQuery()))));
            case "/failover" -> {
                if (requireMethod(exchange, method, "POST")) {
                    Datacenter to = failoverTarget(exchange.getRequestURI().getRawQuery(),
                            this.supervisor.databaseOwner().peer());
                    send(exchange, 200, "application/json", stepsJson(this.supervisor.failOver(to)));
                }
            }
            case "/failback" -> {
                if (requireMethod(exchange, method, "POST")) {
                    send(exchange, 200, "application/json", stepsJson(this.supervisor.failBack()));
                }
            }
            case "/link/stalls" -> linkAction(exchange, method, (link) -> {
                StallsRequest request = stalls(exchange.getRequestURI().getRawQuery());
                if (request.enabled()) {
                    link.startStalls(request.settings());
                }
                else {
                    link.stopStalls();
                }
            });
            default -> problem(exchange, 404, "Not Found", "No resource at " + path
                    + "; try GET /status, GET /link, POST /link/cut, POST /link/heal,"
                    + " POST /link/latency?rttMs=40, POST /link/stalls?enabled=true|false,"
                    + " POST /services/{name}/stop|start, POST /servers/{redis-unicom|redis-telecom}/start,"
                    + " POST /datacenters/{unicom|telecom}/down|up, POST /failover?to=telecom, POST /failback");
        }
    }

    /** {@code POST /services/{name}/stop} or {@code /start}: answers the service's status line as JSON. */
    private void serviceAction(HttpExchange exchange, String method, String path) throws IOException {
        String[] parts = path.substring("/services/".length()).split("/");
        if (parts.length != 2 || !(parts[1].equals("stop") || parts[1].equals("start"))) {
            problem(exchange, 404, "Not Found", "No resource at " + path + "; try POST /services/{name}/stop or"
                    + " POST /services/{name}/start, e.g. /services/reship-telecom/stop");
            return;
        }
        if (requireMethod(exchange, method, "POST")) {
            Component component = parts[1].equals("stop") ? this.supervisor.stopService(parts[0])
                    : this.supervisor.startService(parts[0]);
            send(exchange, 200, "application/json", componentJson(component));
        }
    }

    /** {@code POST /servers/{name}/start}: a Redis that died started again; answers its status line as JSON. */
    private void serverAction(HttpExchange exchange, String method, String path) throws IOException {
        String[] parts = path.substring("/servers/".length()).split("/");
        if (parts.length != 2 || !parts[1].equals("start")) {
            problem(exchange, 404, "Not Found", "No resource at " + path + "; try POST /servers/{name}/start, e.g."
                    + " /servers/redis-telecom/start");
            return;
        }
        if (requireMethod(exchange, method, "POST")) {
            send(exchange, 200, "application/json", componentJson(this.supervisor.startServer(parts[0])));
        }
    }

    /** {@code POST /datacenters/{dc}/down} or {@code /up}: answers the steps taken. */
    private void datacenterAction(HttpExchange exchange, String method, String path) throws IOException {
        String[] parts = path.substring("/datacenters/".length()).split("/");
        if (parts.length != 2 || !(parts[1].equals("down") || parts[1].equals("up"))) {
            problem(exchange, 404, "Not Found", "No resource at " + path + "; try POST /datacenters/telecom/down or"
                    + " POST /datacenters/telecom/up");
            return;
        }
        Datacenter datacenter;
        try {
            datacenter = Datacenter.of(parts[0]);
        }
        catch (IllegalArgumentException ex) {
            throw new NotFoundException("no datacenter " + parts[0] + "; datacenters: unicom, telecom");
        }
        if (requireMethod(exchange, method, "POST")) {
            List<String> steps = parts[1].equals("down") ? this.supervisor.datacenterDown(datacenter)
                    : this.supervisor.datacenterUp(datacenter);
            send(exchange, 200, "application/json", stepsJson(steps));
        }
    }

    static Datacenter failoverTarget(String query, Datacenter otherwise) {
        Optional<String> to = Optional.ofNullable(query).stream()
            .flatMap((q) -> List.of(q.split("&")).stream())
            .filter((pair) -> pair.startsWith("to="))
            .map((pair) -> pair.substring("to=".length()))
            .findFirst();
        if (to.isEmpty()) {
            return otherwise;
        }
        try {
            return Datacenter.of(to.get());
        }
        catch (IllegalArgumentException ex) {
            throw new BadRequestException("to must be unicom or telecom, but was '" + to.get() + "'");
        }
    }

    private String stepsJson(List<String> steps) {
        return "{\"databaseOwner\":" + quote(this.supervisor.databaseOwner().id()) + ",\"steps\":"
                + steps.stream().map(ControlServer::quote).collect(Collectors.joining(",", "[", "]")) + "}";
    }

    private void onlyGet(HttpExchange exchange, String method, JsonBody body) throws IOException {
        if (requireMethod(exchange, method, "GET")) {
            send(exchange, 200, "application/json", body.render());
        }
    }

    private void linkAction(HttpExchange exchange, String method, LinkAction action) throws IOException {
        if (requireMethod(exchange, method, "POST")) {
            LinkSimulator link = link();
            action.apply(link);
            send(exchange, 200, "application/json", linkJson(link));
        }
    }

    private boolean requireMethod(HttpExchange exchange, String method, String allowed) throws IOException {
        if (method.equals(allowed)) {
            return true;
        }
        exchange.getResponseHeaders().set("Allow", allowed);
        problem(exchange, 405, "Method Not Allowed", exchange.getRequestURI().getPath() + " accepts " + allowed
                + ", not " + method);
        return false;
    }

    private LinkSimulator link() {
        return this.supervisor.link()
            .orElseThrow(() -> new UnavailableException("the link simulator starts with the servers; not up yet"));
    }

    static long rttMillis(String query) {
        String value = Optional.ofNullable(query).stream()
            .flatMap((q) -> List.of(q.split("&")).stream())
            .filter((pair) -> pair.startsWith("rttMs="))
            .map((pair) -> pair.substring("rttMs=".length()))
            .findFirst()
            .orElseThrow(() -> new BadRequestException("query parameter rttMs is required, e.g. ?rttMs=40"));
        long rtt;
        try {
            rtt = Long.parseLong(value);
        }
        catch (NumberFormatException ex) {
            throw new BadRequestException("rttMs must be a whole number of milliseconds, but was '" + value + "'");
        }
        if (rtt < 0 || rtt > 60_000) {
            throw new BadRequestException("rttMs must be between 0 and 60000, but was " + rtt);
        }
        return rtt;
    }

    /** Parses {@code enabled} (required) and the optional stall settings; defaults from {@code Stalls.DEFAULT}. */
    static StallsRequest stalls(String query) {
        String enabled = queryParameter(query, "enabled")
            .orElseThrow(() -> new BadRequestException("query parameter enabled is required, e.g. ?enabled=true"));
        if (!enabled.equals("true") && !enabled.equals("false")) {
            throw new BadRequestException("enabled must be true or false, but was '" + enabled + "'");
        }
        LinkSimulator.Stalls defaults = LinkSimulator.Stalls.DEFAULT;
        // A bound that is given wins over the other's default: maxPauseMs=30 alone means pauses of 30 ms.
        long max = millis(query, "maxPauseMs", defaults.maxPause().toMillis());
        long min = millis(query, "minPauseMs", Math.min(max, defaults.minPause().toMillis()));
        if (queryParameter(query, "maxPauseMs").isEmpty()) {
            max = Math.max(max, min);
        }
        long interval = millis(query, "intervalMs", defaults.meanInterval().toMillis());
        long seed = millis(query, "seed", defaults.seed());
        try {
            return new StallsRequest(enabled.equals("true"), new LinkSimulator.Stalls(Duration.ofMillis(min),
                    Duration.ofMillis(max), Duration.ofMillis(interval), seed));
        }
        catch (IllegalArgumentException ex) {
            throw new BadRequestException(ex.getMessage());
        }
    }

    private static long millis(String query, String name, long fallback) {
        Optional<String> value = queryParameter(query, name);
        try {
            return value.map(Long::parseLong).orElse(fallback);
        }
        catch (NumberFormatException ex) {
            throw new BadRequestException(name + " must be a whole number, but was '" + value.get() + "'");
        }
    }

    private static Optional<String> queryParameter(String query, String name) {
        return Optional.ofNullable(query).stream()
            .flatMap((q) -> List.of(q.split("&")).stream())
            .filter((pair) -> pair.startsWith(name + "="))
            .map((pair) -> pair.substring(name.length() + 1))
            .findFirst();
    }

    /**
     * What {@code POST /link/stalls} asks for.
     * @param enabled on or off
     * @param settings the stall settings, used when on
     */
    record StallsRequest(boolean enabled, LinkSimulator.Stalls settings) {
    }

    private String statusJson() {
        String components = this.supervisor.components().stream()
            .map(ControlServer::componentJson)
            .collect(Collectors.joining(",", "[", "]"));
        String link = this.supervisor.link().map(ControlServer::linkJson).orElse("null");
        return "{\"supervisorPid\":" + ProcessHandle.current().pid() + ",\"databaseOwner\":"
                + quote(this.supervisor.databaseOwner().id()) + ",\"components\":" + components
                + ",\"link\":" + link + "}";
    }

    private static String componentJson(Component c) {
        return "{\"name\":" + quote(c.name()) + ",\"kind\":" + quote(c.kind()) + ",\"datacenter\":"
                + quote(c.datacenter()) + ",\"port\":" + c.port() + ",\"pid\":" + c.pid() + ",\"state\":"
                + quote(c.state().name()) + ",\"healthy\":" + (c.state() == Component.State.HEALTHY)
                + ",\"seconds\":" + String.format(Locale.ROOT, "%.1f", c.seconds()) + ",\"message\":"
                + quote(c.message()) + ",\"log\":" + quote(c.log()) + "}";
    }

    private String statusText() {
        return this.supervisor.components().stream()
            .map((c) -> String.join("\t", c.name(), c.kind(), c.datacenter(), Integer.toString(c.port()),
                    Long.toString(c.pid()), c.state().name(), String.format(Locale.ROOT, "%.1f", c.seconds()),
                    c.log(), c.message().replace('\t', ' ').replace('\n', ' ')))
            .collect(Collectors.joining("\n", "", "\n"));
    }

    static String linkJson(LinkSimulator link) {
        String routes = link.routes().stream()
            .map((route) -> "{\"name\":" + quote(route.name()) + ",\"listenPort\":" + route.listenPort()
                    + ",\"targetPort\":" + route.targetPort() + ",\"openConnections\":" + route.openConnections()
                    + "}")
            .collect(Collectors.joining(",", "[", "]"));
        String stalls = link.stalls()
            .map((s) -> "{\"enabled\":true,\"minPauseMs\":" + s.minPause().toMillis() + ",\"maxPauseMs\":"
                    + s.maxPause().toMillis() + ",\"intervalMs\":" + s.meanInterval().toMillis() + ",\"seed\":"
                    + s.seed() + ",\"pauses\":" + link.stallCount() + "}")
            .orElse("{\"enabled\":false,\"pauses\":" + link.stallCount() + "}");
        return "{\"cut\":" + link.isCut() + ",\"rttMs\":" + link.roundTrip().toMillis() + ",\"stalls\":" + stalls
                + ",\"routes\":" + routes + "}";
    }

    static String quote(String value) {
        StringBuilder json = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    }
                    else {
                        json.append(c);
                    }
                }
            }
        }
        return json.append('"').toString();
    }

    private static void problem(HttpExchange exchange, int status, String title, String detail) throws IOException {
        send(exchange, status, "application/problem+json", "{\"type\":\"about:blank\",\"title\":" + quote(title)
                + ",\"status\":" + status + ",\"detail\":" + quote(detail) + "}");
    }

    private static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType + ";charset=utf-8");
        exchange.getResponseHeaders().set("Access-Control-Allow-Origin", "*");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** What the control API shows and acts on. */
    interface SupervisorView {

        /** Every server and service, in display order. */
        List<Component> components();

        /** The link, once it exists. */
        Optional<LinkSimulator> link();

        /**
         * Stops one service and keeps it stopped (not restarted, not reported as failed) until
         * {@link #startService}.
         * @param name e.g. {@code reship-telecom}
         * @return the service after the stop
         */
        default Component stopService(String name) {
            throw new UnavailableException("this control API runs no services");
        }

        /**
         * Starts a stopped service again; a running one is left as it is.
         * @param name e.g. {@code reship-telecom}
         * @return the service, starting (or running)
         */
        default Component startService(String name) {
            throw new UnavailableException("this control API runs no services");
        }

        /**
         * Starts a server that died again; only Redis, whose append-only file brings back what it held.
         * @param name {@code redis-unicom} or {@code redis-telecom}
         * @return the server, running again
         */
        default Component startServer(String name) {
            throw new UnavailableException("this control API runs no servers");
        }

        /**
         * Takes a whole datacenter down as a power loss would: its services killed (kill -9), the link cut. Its
         * MariaDB and Redis keep their data, as durable disks would.
         * @param datacenter the datacenter
         * @return what was done
         */
        default List<String> datacenterDown(Datacenter datacenter) {
            throw new UnavailableException("this control API runs no services");
        }

        /**
         * Brings a datacenter back: the link healed, its services started (its processor as the database owner
         * only if it owns the master now).
         * @param datacenter the datacenter
         * @return what was done
         */
        default List<String> datacenterUp(Datacenter datacenter) {
            throw new UnavailableException("this control API runs no services");
        }

        /**
         * Fails the MySQL master over to a datacenter (the operator procedure of docs/reliability.md).
         * @param to the datacenter that becomes the owner
         * @return the steps taken
         */
        default List<String> failOver(Datacenter to) {
            throw new UnavailableException("this control API runs no services");
        }

        /**
         * The way back after a failover: the master returns to unicom.
         * @return the steps taken
         */
        default List<String> failBack() {
            throw new UnavailableException("this control API runs no services");
        }

        /** The datacenter whose MariaDB is the master now. */
        default Datacenter databaseOwner() {
            return Datacenter.UNICOM;
        }
    }

    @FunctionalInterface
    private interface JsonBody {

        String render();
    }

    @FunctionalInterface
    private interface LinkAction {

        void apply(LinkSimulator link);
    }

    /** Maps to 400. */
    static final class BadRequestException extends RuntimeException {

        BadRequestException(String message) {
            super(message);
        }
    }

    /** Maps to 404. */
    static final class NotFoundException extends RuntimeException {

        NotFoundException(String message) {
            super(message);
        }
    }

    /** Maps to 503. */
    static final class UnavailableException extends RuntimeException {

        UnavailableException(String message) {
            super(message);
        }
    }
}
