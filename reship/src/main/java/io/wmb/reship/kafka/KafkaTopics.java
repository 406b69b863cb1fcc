package io.wmb.reship.kafka;

/**
 * The topic names of the message-queue transport, part of the contract between the datacenters
 * (docs/design.md): the collector derives the same names.
 */
public final class KafkaTopics {

    private KafkaTopics() {
    }

    /**
     * The topic on a datacenter's own broker that its reship publishes its outbox to.
     * @param datacenter the origin datacenter
     * @return {@code wmb-outbound-<datacenter>}
     */
    public static String outbound(String datacenter) {
        return "wmb-outbound-" + datacenter;
    }

    /**
     * The topic on the receiving datacenter's broker that carries the writes of {@code origin}.
     * @param origin the datacenter that accepted the writes
     * @return {@code wmb-inbound-<origin>}
     */
    public static String inbound(String origin) {
        return "wmb-inbound-" + origin;
    }

}
