package io.frameguard.events;

import org.apache.kafka.common.serialization.Serde;

/** A topic of the data flow: its name (configurable) and the serdes of its keys and values. */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde) {

    /** A value as it is written to this topic. */
    public byte[] serialize(V value) {
        return valueSerde.serializer().serialize(name, value);
    }

    /** A value as read from this topic. */
    public V deserialize(byte[] value) {
        return valueSerde.deserializer().deserialize(name, value);
    }
}
