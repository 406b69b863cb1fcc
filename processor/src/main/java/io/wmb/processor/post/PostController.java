package io.wmb.processor.post;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import jakarta.servlet.http.HttpServletRequest;

import io.wmb.processor.config.ProcessorProperties;
import io.wmb.processor.idempotency.IdempotencyStore;
import io.wmb.processor.idempotency.IdempotencyStore.StoredResponse;
import io.wmb.processor.web.RequestIdFilter;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/**
 * The posts REST API. Writes are idempotent by the client's {@code Idempotency-Key} (or its own
 * {@code X-Request-Id}): a repeated write is applied once and answered with the first response.
 */
@RestController
@RequestMapping("/api")
class PostController {

    private final PostService posts;

    private final PostValidator validator;

    private final IdempotencyStore idempotency;

    private final JsonMapper json;

    private final int maxPageSize;

    PostController(PostService posts, PostValidator validator, IdempotencyStore idempotency, JsonMapper json,
            ProcessorProperties properties) {
        this.posts = posts;
        this.validator = validator;
        this.idempotency = idempotency;
        this.json = json;
        this.maxPageSize = properties.api().maxPageSize();
    }

    @PostMapping("/posts")
    ResponseEntity<String> create(@RequestBody PostRequests.CreatePost body, HttpServletRequest request) {
        long authorId = validator.authorId((body == null) ? null : body.authorId());
        String content = validator.content(body.content());
        return write(request, "POST /api/posts " + authorId + " " + content, HttpStatus.CREATED,
                requestId -> PostView.of(posts.create(requestId, authorId, content)));
    }

    @GetMapping("/posts/{id}")
    PostView get(@PathVariable("id") long id) {
        validator.postId(id);
        return posts.get(id).map(PostView::of).orElseThrow(() -> new PostNotFoundException(id));
    }

    @PutMapping("/posts/{id}")
    ResponseEntity<String> update(@PathVariable("id") long id, @RequestBody PostRequests.UpdatePost body,
            HttpServletRequest request) {
        validator.postId(id);
        String content = validator.content((body == null) ? null : body.content());
        return write(request, "PUT /api/posts/" + id + " " + content, HttpStatus.OK,
                requestId -> PostView.of(posts.update(requestId, id, content)));
    }

    @DeleteMapping("/posts/{id}")
    ResponseEntity<String> delete(@PathVariable("id") long id, HttpServletRequest request) {
        validator.postId(id);
        return write(request, "DELETE /api/posts/" + id, HttpStatus.NO_CONTENT, requestId -> {
            posts.delete(requestId, id);
            return null;
        });
    }

    @PostMapping("/posts/{id}/likes")
    ResponseEntity<String> like(@PathVariable("id") long id, HttpServletRequest request) {
        validator.postId(id);
        return write(request, "POST /api/posts/" + id + "/likes", HttpStatus.OK,
                requestId -> PostView.of(posts.like(requestId, id)));
    }

    @GetMapping("/users/{authorId}/posts")
    List<PostView> byAuthor(@PathVariable("authorId") long authorId,
            @RequestParam(name = "limit", defaultValue = "20") int limit) {
        validator.authorId(authorId);
        if (limit < 1 || limit > maxPageSize) {
            throw new InvalidRequestException("Parameter 'limit' must be between 1 and " + maxPageSize
                    + ", but was " + limit);
        }
        List<PostState> found = posts.byAuthor(authorId, limit);
        List<PostView> views = new ArrayList<>(found.size());
        for (PostState post : found) {
            views.add(PostView.of(post));
        }
        return views;
    }

    /**
     * Runs a write once per idempotency key and answers repeats with the stored response.
     */
    private ResponseEntity<String> write(HttpServletRequest request, String fingerprintSource, HttpStatus status,
            WriteAction action) {
        String requestId = (String) request.getAttribute(RequestIdFilter.REQUEST_ID);
        String key = (String) request.getAttribute(RequestIdFilter.IDEMPOTENCY_KEY);
        if (key == null) {
            return respond(status, requestId, toJson(action.run(requestId)));
        }
        String fingerprint = fingerprint(fingerprintSource);
        Optional<StoredResponse> stored = idempotency.claim(key, fingerprint);
        if (stored.isPresent()) {
            return respond(HttpStatus.valueOf(stored.get().status()), stored.get().requestId(), stored.get().body());
        }
        String body;
        try {
            body = toJson(action.run(requestId));
        }
        catch (RuntimeException ex) {
            // Nothing (or only an idempotent part) was written: let a retry with the same key do the write.
            idempotency.release(key);
            throw ex;
        }
        idempotency.complete(key, fingerprint, new StoredResponse(status.value(), requestId, body));
        return respond(status, requestId, body);
    }

    private String toJson(Object view) {
        return (view == null) ? "" : json.writeValueAsString(view);
    }

    private static ResponseEntity<String> respond(HttpStatus status, String requestId, String body) {
        ResponseEntity.BodyBuilder builder = ResponseEntity.status(status)
            .header(RequestIdFilter.REQUEST_ID_HEADER, requestId);
        if (body.isEmpty()) {
            return builder.build();
        }
        return builder.header(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_JSON_VALUE).body(body);
    }

    private static String fingerprint(String source) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(source.getBytes(StandardCharsets.UTF_8)));
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", ex);
        }
    }

    /** A write that returns its response body (a view, or {@code null} for none). */
    @FunctionalInterface
    interface WriteAction {

        Object run(String requestId);

    }

}
