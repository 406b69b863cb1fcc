package io.wmb.gateway.ops;

import java.net.URI;
import java.util.Map;
import java.util.regex.Pattern;

import io.wmb.gateway.config.GatewayProperties;
import io.wmb.gateway.routing.ClientKeys;
import io.wmb.gateway.routing.Datacenter;
import io.wmb.gateway.routing.EdgeRouter;
import io.wmb.gateway.settings.OperatorAuthenticator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientResponseException;
import org.springframework.web.server.ResponseStatusException;

/**
 * The edge's ops endpoints for the dashboard: the overview, and the actions that belong to other services
 * (a datacenter gateway's upstream weight, the link's cut and heal, a dead letter's re-drive). Actions are
 * authenticated here first, so that the edge is never an open relay, and then passed on with the same
 * credential.
 */
@RestController
@RequestMapping(path = "/ops", produces = "application/json")
@ConditionalOnProperty(name = "wmb.gateway.role", havingValue = "edge", matchIfMissing = true)
class OverviewController {

    private static final Logger logger = LoggerFactory.getLogger(OverviewController.class);

    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    private final OverviewService overview;

    private final OperatorAuthenticator authenticator;

    private final EdgeRouter router;

    private final GatewayProperties properties;

    private final WebClient client;

    OverviewController(OverviewService overview, OperatorAuthenticator authenticator, EdgeRouter router,
            GatewayProperties properties, WebClient opsWebClient) {
        this.overview = overview;
        this.authenticator = authenticator;
        this.router = router;
        this.properties = properties;
        this.client = opsWebClient;
    }

    /** Open to everyone; with a valid operator token it also lists the reconcilers' dead letters. */
    @GetMapping("/overview")
    Mono<Map<String, Object>> overview(ServerHttpRequest request) {
        String authorization = null;
        if (request.getHeaders().getFirst(HttpHeaders.AUTHORIZATION) != null) {
            try {
                this.authenticator.authenticate(request);
                authorization = request.getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
            }
            catch (ResponseStatusException ex) {
                // A wrong token only hides what needs one: the page keeps showing the rest.
                authorization = null;
            }
        }
        return this.overview.overview(authorization);
    }

    /** Sets a datacenter gateway's remote upstream weight through that gateway's ops API. */
    @PutMapping(path = "/datacenters/{datacenter}/remote-weight", consumes = "application/json")
    Mono<ResponseEntity<String>> remoteWeight(@PathVariable String datacenter, @RequestBody String body,
            ServerHttpRequest request) {
        this.authenticator.authenticate(request);
        URI gateway = this.router.gateway(datacenter(datacenter)).uri();
        return relay(request, HttpMethodName.PUT, gateway.resolve("/ops/remote-weight"), body);
    }

    /** Cuts or heals the inter-datacenter link (the demo's link simulator). */
    @PostMapping("/link/{action}")
    Mono<ResponseEntity<String>> link(@PathVariable String action, ServerHttpRequest request) {
        this.authenticator.authenticate(request);
        if (!action.equals("cut") && !action.equals("heal")) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST,
                    "link action must be 'cut' or 'heal', but was '" + action + "'");
        }
        URI link = this.properties.ops().link();
        if (link == null) {
            throw new ResponseStatusException(HttpStatus.NOT_FOUND, "No link control is configured");
        }
        return relay(request, HttpMethodName.POST, link.resolve("/link/" + action), null);
    }

    /** Asks a datacenter's reconciler to re-drive one dead letter. */
    @PostMapping("/reconcilers/{datacenter}/dead-letters/{requestId}/redrive")
    Mono<ResponseEntity<String>> redrive(@PathVariable String datacenter, @PathVariable String requestId,
            ServerHttpRequest request) {
        this.authenticator.authenticate(request);
        Datacenter parsed = datacenter(datacenter);
        if (!REQUEST_ID.matcher(requestId).matches()) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST,
                    "requestId must be 1 to 128 letters, digits or '.', '_', ':', '-'");
        }
        URI reconciler = this.properties.ops().reconcilers().get(parsed);
        if (reconciler == null) {
            throw new ResponseStatusException(HttpStatus.NOT_FOUND, "No reconciler is configured for " + parsed);
        }
        return relay(request, HttpMethodName.POST,
                reconciler.resolve("/api/reconciler/dead-letters/" + requestId + "/redrive"), null);
    }

    private Mono<ResponseEntity<String>> relay(ServerHttpRequest request, HttpMethodName method, URI target,
            String body) {
        String address = ClientKeys.address(request);
        WebClient.RequestBodySpec spec = ((method == HttpMethodName.PUT) ? this.client.put() : this.client.post())
            .uri(target)
            .header(HttpHeaders.AUTHORIZATION, request.getHeaders().getFirst(HttpHeaders.AUTHORIZATION))
            .header("X-Forwarded-For", address)
            .accept(MediaType.APPLICATION_JSON);
        WebClient.RequestHeadersSpec<?> ready = (body != null)
                ? spec.contentType(MediaType.APPLICATION_JSON).bodyValue(body) : spec;
        return ready.retrieve()
            .toEntity(String.class)
            .timeout(this.properties.ops().timeout().multipliedBy(5))
            .map((response) -> ResponseEntity.status(response.getStatusCode())
                .contentType(MediaType.APPLICATION_JSON)
                .body((response.getBody() != null) ? response.getBody() : "{}"))
            .onErrorResume(WebClientResponseException.class, (ex) -> Mono.just(ResponseEntity
                .status(ex.getStatusCode())
                .contentType((ex.getHeaders().getContentType() != null) ? ex.getHeaders().getContentType()
                        : MediaType.APPLICATION_JSON)
                .body(ex.getResponseBodyAsString())))
            .onErrorMap((ex) -> !(ex instanceof ResponseStatusException), (ex) -> {
                logger.warn("{} {} failed: {}", method, target, ex.toString());
                return new ResponseStatusException(HttpStatus.BAD_GATEWAY, target.getHost() + ":" + target.getPort()
                        + " did not answer");
            });
    }

    private static Datacenter datacenter(String id) {
        try {
            return Datacenter.of(id);
        }
        catch (IllegalArgumentException ex) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST, ex.getMessage());
        }
    }

    private enum HttpMethodName {
        PUT, POST
    }

}
