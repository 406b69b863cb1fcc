package io.wmb.bench.load;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * One keep-alive HTTP/1.1 connection on a blocking socket, for one thread at a time, as wrk keeps them: a request
 * goes out preformatted in a single write and its answer is parsed in a buffer the connection reuses, so that a
 * request costs the generator two system calls and next to no garbage. Only what a load run needs is parsed: the
 * status, {@code Content-Length} or a chunked body to find the answer's end, {@code Connection}, and
 * {@code X-WMB-Datacenter}. No pipelining: one request is outstanding at a time.
 */
final class Http1Connection implements Closeable {

    /** Large enough for any header line of the demo's answers; a body of any size streams through it. */
    static final int BUFFER_SIZE = 16 * 1024;

    /** What {@link #datacenter()} says when the answer did not name one. */
    static final String NO_DATACENTER = "-";

    private static final byte[] CONTENT_LENGTH = ascii("content-length");

    private static final byte[] TRANSFER_ENCODING = ascii("transfer-encoding");

    private static final byte[] CONNECTION = ascii("connection");

    private static final byte[] DATACENTER = ascii("x-wmb-datacenter");

    private static final byte[] CHUNKED = ascii("chunked");

    private static final byte[] CLOSE = ascii("close");

    private static final byte[] KEEP_ALIVE = ascii("keep-alive");

    private final String host;

    private final int port;

    private final String key;

    private final Socket socket;

    private final InputStream in;

    private final OutputStream out;

    private final byte[] buffer = new byte[BUFFER_SIZE];

    /** Start of the unread bytes in {@link #buffer}. */
    private int position;

    /** End of the bytes read into {@link #buffer}. */
    private int limit;

    /** Where the line just found by {@link #readLine()} ends, its line break included. */
    private int lineNext;

    private boolean open = true;

    private long answers;

    /** When the connection last finished an answer (or opened), by {@link System#nanoTime()}. */
    private long lastUsed = System.nanoTime();

    /** Whether any byte of the current answer arrived: a request on a stale connection fails with none. */
    private boolean received;

    private long contentLength;

    private boolean chunked;

    private boolean closeAfter;

    private String datacenter = NO_DATACENTER;

    /** The last datacenter's name, as bytes and as a string: the same few names repeat, parsed once. */
    private byte[] lastDatacenterBytes = new byte[0];

    private String lastDatacenter = "";

    private Http1Connection(String host, int port, Socket socket) throws IOException {
        this.host = host;
        this.port = port;
        this.key = host + ":" + port;
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /**
     * Connects to {@code host:port}.
     * @param host a host name or address
     * @param port a TCP port
     * @param connectTimeoutMillis how long connecting may take
     * @param readTimeoutMillis how long an answer may take to arrive, between any two of its reads
     * @return the connection
     * @throws IOException if it could not connect
     */
    static Http1Connection open(String host, int port, int connectTimeoutMillis, int readTimeoutMillis)
            throws IOException {
        Socket socket = new Socket();
        try {
            // Requests go out in one write each: Nagle would only hold them back.
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(readTimeoutMillis);
            socket.connect(new InetSocketAddress(host, port), connectTimeoutMillis);
            return new Http1Connection(host, port, socket);
        }
        catch (IOException ex) {
            socket.close();
            throw ex;
        }
    }

    /**
     * The port a request to {@code uri} goes to.
     * @param uri an {@code http} URI
     * @return its port, 80 when it names none
     */
    static int port(URI uri) {
        return (uri.getPort() != -1) ? uri.getPort() : 80;
    }

    /**
     * Formats a request to the bytes to send, once, before it is due.
     * @param request the request
     * @return request line, headers ({@code Host} and {@code Content-Length} included) and body
     */
    static byte[] encode(LoadRequest request) {
        URI uri = request.uri();
        StringBuilder head = new StringBuilder(256);
        head.append(request.method()).append(' ');
        String path = uri.getRawPath();
        head.append((path == null || path.isEmpty()) ? "/" : path);
        if (uri.getRawQuery() != null) {
            head.append('?').append(uri.getRawQuery());
        }
        head.append(" HTTP/1.1\r\nHost: ").append(uri.getHost());
        if (uri.getPort() != -1) {
            head.append(':').append(uri.getPort());
        }
        head.append("\r\n");
        for (Map.Entry<String, String> header : request.headers().entrySet()) {
            String name = header.getKey();
            if (!"host".equalsIgnoreCase(name) && !"content-length".equalsIgnoreCase(name)) {
                head.append(name).append(": ").append(header.getValue()).append("\r\n");
            }
        }
        byte[] body = request.body();
        if (body.length > 0 || "POST".equals(request.method()) || "PUT".equals(request.method())
                || "PATCH".equals(request.method())) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        if (body.length == 0) {
            return headBytes;
        }
        byte[] bytes = Arrays.copyOf(headBytes, headBytes.length + body.length);
        System.arraycopy(body, 0, bytes, headBytes.length, body.length);
        return bytes;
    }

    /**
     * Whether this connection goes to {@code host:port}.
     * @param host a host as a URI names it
     * @param port a port
     * @return {@code true} if requests there can use it
     */
    boolean isFor(String host, int port) {
        return this.port == port && this.host.equals(host);
    }

    /**
     * Where this connection goes.
     * @return {@code host:port}
     */
    String key() {
        return this.key;
    }

    /**
     * Whether requests can still go out on this connection: neither side closed it.
     * @return {@code true} if open
     */
    boolean isOpen() {
        return this.open;
    }

    /**
     * How many answers arrived on this connection.
     * @return the count
     */
    long answers() {
        return this.answers;
    }

    /**
     * How long the connection has been idle: a server closes a keep-alive connection idle for long.
     * @param now {@link System#nanoTime()}
     * @return nanoseconds since its last answer, or since it opened
     */
    long idleNanos(long now) {
        return now - this.lastUsed;
    }

    /**
     * Whether any byte of the last answer arrived, for a failed exchange: if none did, the server may have closed
     * the connection before the request reached it.
     * @return {@code true} if some did
     */
    boolean receivedAny() {
        return this.received;
    }

    /**
     * The {@code X-WMB-Datacenter} of the last answer.
     * @return its value, {@link #NO_DATACENTER} if absent
     */
    String datacenter() {
        return this.datacenter;
    }

    /**
     * Sends a request and reads its answer to the end. On an I/O error, a timeout or a malformed answer, the
     * connection is closed and the exception thrown; if the server asked to close it, it is closed after the
     * answer.
     * @param request the bytes of {@link #encode}
     * @param head whether the request was a {@code HEAD}, whose answer has no body
     * @return the answer's status
     * @throws IOException if no complete answer arrived
     */
    int exchange(byte[] request, boolean head) throws IOException {
        if (!this.open) {
            throw new IOException("connection closed");
        }
        this.received = false;
        this.datacenter = NO_DATACENTER;
        try {
            this.out.write(request);
            int status = readHead();
            // Interim answers (100 Continue and the like) precede the real one; 101 would switch protocols.
            while (status >= 100 && status < 200 && status != 101) {
                status = readHead();
            }
            readBody(status, head);
            this.answers++;
            this.lastUsed = System.nanoTime();
            // Bytes beyond the answer mean the two ends are out of step: start afresh rather than misread.
            if (this.closeAfter || this.position != this.limit) {
                close();
            }
            this.position = 0;
            this.limit = 0;
            return status;
        }
        catch (IOException ex) {
            close();
            throw ex;
        }
    }

    @Override
    public void close() {
        this.open = false;
        try {
            this.socket.close();
        }
        catch (IOException ignored) {
            // Nothing left to do with a connection that failed to close.
        }
    }

    @Override
    public String toString() {
        return "HTTP/1.1 connection to " + this.key;
    }

    /** Reads a status line and the headers after it; returns the status. */
    private int readHead() throws IOException {
        int end = readLine();
        int start = this.position;
        if (end - start < 12 || !startsWith(start, "HTTP/1.") || this.buffer[start + 8] != ' ') {
            throw malformed("status line");
        }
        boolean http10 = this.buffer[start + 7] == '0';
        int status = 0;
        for (int i = start + 9; i < start + 12; i++) {
            int digit = this.buffer[i] - '0';
            if (digit < 0 || digit > 9) {
                throw malformed("status");
            }
            status = status * 10 + digit;
        }
        this.position = this.lineNext;
        this.contentLength = -1;
        this.chunked = false;
        boolean close = false;
        boolean keepAlive = false;
        while (true) {
            end = readLine();
            start = this.position;
            if (end == start) {
                this.position = this.lineNext;
                break;
            }
            int colon = indexOf(start, end, (byte) ':');
            if (colon < 0) {
                throw malformed("header");
            }
            int valueStart = colon + 1;
            while (valueStart < end && (this.buffer[valueStart] == ' ' || this.buffer[valueStart] == '\t')) {
                valueStart++;
            }
            int valueEnd = end;
            while (valueEnd > valueStart && (this.buffer[valueEnd - 1] == ' ' || this.buffer[valueEnd - 1] == '\t')) {
                valueEnd--;
            }
            if (nameIs(start, colon, CONTENT_LENGTH)) {
                this.contentLength = parseDecimal(valueStart, valueEnd);
            }
            else if (nameIs(start, colon, TRANSFER_ENCODING)) {
                this.chunked = contains(valueStart, valueEnd, CHUNKED);
            }
            else if (nameIs(start, colon, CONNECTION)) {
                close |= contains(valueStart, valueEnd, CLOSE);
                keepAlive |= contains(valueStart, valueEnd, KEEP_ALIVE);
            }
            else if (nameIs(start, colon, DATACENTER)) {
                this.datacenter = datacenterName(valueStart, valueEnd);
            }
            this.position = this.lineNext;
        }
        // HTTP/1.0 closes unless asked to keep alive; HTTP/1.1 keeps alive unless asked to close.
        this.closeAfter = close || (http10 && !keepAlive);
        return status;
    }

    private void readBody(int status, boolean head) throws IOException {
        if (head || status == 204 || status == 304 || (status >= 100 && status < 200)) {
            return;
        }
        if (this.chunked) {
            readChunks();
        }
        else if (this.contentLength >= 0) {
            skip(this.contentLength);
        }
        else {
            // Neither length nor chunks: the body ends with the connection.
            this.position = 0;
            this.limit = 0;
            while (this.in.read(this.buffer) >= 0) {
                this.received = true;
            }
            this.closeAfter = true;
        }
    }

    private void readChunks() throws IOException {
        while (true) {
            int end = readLine();
            long size = parseHex(this.position, end);
            this.position = this.lineNext;
            if (size == 0) {
                // Trailers, if any, up to an empty line.
                while (true) {
                    end = readLine();
                    boolean empty = end == this.position;
                    this.position = this.lineNext;
                    if (empty) {
                        return;
                    }
                }
            }
            skip(size);
            end = readLine();
            if (end != this.position) {
                throw malformed("chunk end");
            }
            this.position = this.lineNext;
        }
    }

    /** Skips {@code count} body bytes, those already buffered first. */
    private void skip(long count) throws IOException {
        long buffered = Math.min(count, this.limit - this.position);
        this.position += (int) buffered;
        long remaining = count - buffered;
        if (remaining == 0) {
            return;
        }
        this.position = 0;
        this.limit = 0;
        while (remaining > 0) {
            int read = this.in.read(this.buffer, 0, (int) Math.min(remaining, this.buffer.length));
            if (read < 0) {
                throw new EOFException("connection closed in the middle of a body");
            }
            this.received = true;
            remaining -= read;
        }
    }

    /**
     * Finds the next line in the buffer, reading more as needed; returns where its content ends (before CR LF)
     * and sets {@link #lineNext} to after its line break.
     */
    private int readLine() throws IOException {
        int scanned = this.position;
        while (true) {
            for (int i = scanned; i < this.limit; i++) {
                if (this.buffer[i] == '\n') {
                    this.lineNext = i + 1;
                    return (i > this.position && this.buffer[i - 1] == '\r') ? i - 1 : i;
                }
            }
            if (this.position > 0) {
                // Make room at the end: move the partial line to the start.
                int length = this.limit - this.position;
                System.arraycopy(this.buffer, this.position, this.buffer, 0, length);
                this.position = 0;
                this.limit = length;
            }
            if (this.limit == this.buffer.length) {
                throw malformed("line longer than " + this.buffer.length + " bytes");
            }
            scanned = this.limit;
            fill();
        }
    }

    private void fill() throws IOException {
        int read = this.in.read(this.buffer, this.limit, this.buffer.length - this.limit);
        if (read < 0) {
            throw new EOFException("connection closed by the server");
        }
        this.received = true;
        this.limit += read;
    }

    private String datacenterName(int start, int end) {
        if (!Arrays.equals(this.buffer, start, end, this.lastDatacenterBytes, 0, this.lastDatacenterBytes.length)) {
            this.lastDatacenterBytes = Arrays.copyOfRange(this.buffer, start, end);
            this.lastDatacenter = new String(this.lastDatacenterBytes, StandardCharsets.ISO_8859_1);
        }
        return this.lastDatacenter;
    }

    private boolean startsWith(int start, String prefix) {
        for (int i = 0; i < prefix.length(); i++) {
            if (this.buffer[start + i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Whether the header name in {@code [start, end)} is {@code lowerCaseName}, in any case. */
    private boolean nameIs(int start, int end, byte[] lowerCaseName) {
        if (end - start != lowerCaseName.length) {
            return false;
        }
        for (int i = 0; i < lowerCaseName.length; i++) {
            if (lower(this.buffer[start + i]) != lowerCaseName[i]) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code [start, end)} contains {@code lowerCaseWord}, in any case. */
    private boolean contains(int start, int end, byte[] lowerCaseWord) {
        for (int i = start; i <= end - lowerCaseWord.length; i++) {
            int j = 0;
            while (j < lowerCaseWord.length && lower(this.buffer[i + j]) == lowerCaseWord[j]) {
                j++;
            }
            if (j == lowerCaseWord.length) {
                return true;
            }
        }
        return false;
    }

    private int indexOf(int start, int end, byte wanted) {
        for (int i = start; i < end; i++) {
            if (this.buffer[i] == wanted) {
                return i;
            }
        }
        return -1;
    }

    private long parseDecimal(int start, int end) throws IOException {
        if (start == end || end - start > 18) {
            throw malformed("Content-Length");
        }
        long value = 0;
        for (int i = start; i < end; i++) {
            int digit = this.buffer[i] - '0';
            if (digit < 0 || digit > 9) {
                throw malformed("Content-Length");
            }
            value = value * 10 + digit;
        }
        return value;
    }

    /** The chunk size at the start of {@code [start, end)}, up to any chunk extension. */
    private long parseHex(int start, int end) throws IOException {
        long value = 0;
        int digits = 0;
        for (int i = start; i < end && this.buffer[i] != ';' && this.buffer[i] != ' ' && this.buffer[i] != '\t';
                i++) {
            int digit = Character.digit(this.buffer[i], 16);
            if (digit < 0 || ++digits > 15) {
                throw malformed("chunk size");
            }
            value = (value << 4) | digit;
        }
        if (digits == 0) {
            throw malformed("chunk size");
        }
        return value;
    }

    private IOException malformed(String what) {
        return new IOException("malformed answer from " + this.key + ": " + what);
    }

    private static byte lower(byte character) {
        return (character >= 'A' && character <= 'Z') ? (byte) (character + ('a' - 'A')) : character;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
