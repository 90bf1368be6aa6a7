#!/usr/bin/env python3
"""Send frames to frameguard with confluent-kafka (float32, the compact form), then print the anomalies it reports.

    python3 send_frames.py BOOTSTRAP SOURCE FRAMES.csv [SECONDS]

FRAMES.csv: one frame per line, values comma-separated in the model's order (a header line is skipped).
Topics: $FRAMES_TOPIC and $ANOMALIES_TOPIC (default frames, anomalies).
Needs confluent-kafka (Debian: python3-confluent-kafka; elsewhere: pip install confluent-kafka).
"""
import json, struct, sys, time, uuid
from confluent_kafka import Consumer, Producer, TopicPartition, OFFSET_END

import os

bootstrap, source, csv = sys.argv[1:4]
frames_topic = os.environ.get("FRAMES_TOPIC", "frames")
anomalies_topic = os.environ.get("ANOMALIES_TOPIC", "anomalies")
seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 30

# Follow the anomalies from their current end before sending, so every event about these frames is seen.
consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "example-" + uuid.uuid4().hex,
                     "isolation.level": "read_committed", "enable.auto.commit": False})
partitions = consumer.list_topics(anomalies_topic, timeout=30).topics[anomalies_topic].partitions
consumer.assign([TopicPartition(anomalies_topic, p, OFFSET_END) for p in partitions])
consumer.poll(1.0)

producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
sent = 0
with open(csv) as lines:
    for line in lines:
        if not line[:1] in "-+0123456789.":
            continue  # the header
        values = [float(v) for v in line.strip().split(",")]  # strip() also drops a Windows line end
        producer.produce(frames_topic, key=source, value=struct.pack("<%df" % len(values), *values),
                         headers=[("content-type", b"application/x-float32")])
        sent += 1
producer.flush(30)
print("sent %d float32 frames of %s" % (sent, source), flush=True)

deadline = time.time() + seconds
while time.time() < deadline:
    msg = consumer.poll(0.5)
    if msg is None or msg.error() or msg.key() != source.encode():
        continue
    e = json.loads(msg.value())
    print("ANOMALY %s %s score %.4f > %.4f frame %s" % (e["source"], e["severity"], e["score"], e["threshold"], e["eventId"]),
          flush=True)
consumer.close()
