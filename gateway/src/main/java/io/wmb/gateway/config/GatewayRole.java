package io.wmb.gateway.config;

/**
 * What this gateway instance plays.
 */
public enum GatewayRole {

    /** One for both datacenters: picks the datacenter (the GeoDNS role) and serves the ops dashboard. */
    EDGE,

    /** One per datacenter: spreads over weighted upstream processors (the Nginx role). */
    DATACENTER

}
