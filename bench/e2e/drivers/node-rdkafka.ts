/**
 * node-rdkafka (librdkafka bundled and compiled at install): produce() per record, the
 * accumulator of librdkafka batches (linger.ms 5 unless spec.lingerMs says otherwise,
 * batch.size 16 KiB), acks=all, idempotence, the Java-compatible murmur2_random partitioner,
 * delivery reports (dr_cb). Reports reach JS only when polled: every 10 ms and at each yield of
 * the loop (every 1 ms for W4). A full queue (QUEUE_FULL) makes the loop poll, wait and try the
 * record again.
 *
 * Several producers (spec.producers): record i goes through producer i % N, each a
 * Kafka.Producer of its own (its own librdkafka instance and threads) in this one process.
 * spec.bufferMemoryBytes sets queue.buffering.max.kbytes (librdkafka's buffer.memory; its
 * default is 1 GiB).
 * Several topics (spec.topics): record i goes to topics[i % topics.length]. Records per
 * request are not reported (librdkafka has them only in its statistics callback, whose JSON
 * with thousands of partitions would cost the run more than the figure is worth).
 */
import type { ClientDriver, DriverContext } from '../driver';
import { peerVersion, requirePeer } from './peers';

const ERR_QUEUE_FULL = -184;

export function createDriver(ctx: DriverContext): ClientDriver {
  const { spec } = ctx;
  const Kafka = requirePeer('node-rdkafka');
  const count = spec.producers ?? 1;
  const topics = spec.topics && spec.topics.length > 0 ? spec.topics : [spec.topic];
  let warm: ((err: unknown) => void) | null = null;
  const producers = Array.from({ length: count }, (_, n) => {
    const producer = new Kafka.Producer({
      'client.id': count === 1 ? 'bench-node-rdkafka' : `bench-node-rdkafka-${n}`,
      'metadata.broker.list': spec.bootstrap,
      acks: 'all',
      'enable.idempotence': true,
      'linger.ms': spec.lingerMs ?? 5,
      'batch.size': 16384,
      ...(spec.bufferMemoryBytes ? { 'queue.buffering.max.kbytes': Math.ceil(spec.bufferMemoryBytes / 1024) } : {}),
      'compression.codec': spec.compression,
      partitioner: 'murmur2_random',
      dr_cb: true,
    });
    producer.on('delivery-report', (err: unknown, report: { opaque: unknown }) => {
      const i = report?.opaque;
      if (i === 'warm-up') warm?.(err);
      else if (typeof i === 'number') ctx.ack(i, err);
      else ctx.ackCount(err);
    });
    return producer;
  });
  const producer = producers[0];
  const topic = topics[0];
  const one = count === 1 && topics.length === 1;
  return {
    version: `${peerVersion('node-rdkafka')} (librdkafka ${Kafka.librdkafkaVersion})`,
    mode: 'record',
    async open() {
      for (const p of producers) {
        await new Promise<void>((resolve, reject) => p.connect({}, (err: unknown) => (err ? reject(err) : resolve())));
        p.setPollInterval(spec.latency ? 1 : 10);
      }
      // One warm-up record per producer and topic (connections and metadata before the timed part).
      let left = producers.length * topics.length;
      await new Promise<void>((resolve, reject) => {
        warm = (err) => (err ? reject(err) : --left === 0 && resolve());
        for (const p of producers) for (const t of topics) p.produce(t, null, ctx.value(0), ctx.key(0), null, 'warm-up');
      });
      ctx.ackCount(null);
    },
    sendOne(i) {
      const p = one ? producer : producers[i % count];
      try {
        p.produce(one ? topic : topics[i % topics.length], null, ctx.value(i), ctx.key(i), null, spec.latency ? i : null);
        return true;
      } catch (err) {
        if ((err as { code?: number }).code === ERR_QUEUE_FULL) {
          p.poll();
          return false;
        }
        throw err;
      }
    },
    isBusy() {
      for (const p of producers) p.poll();
      return false;
    },
    flush: () => Promise.all(producers.map((p) => new Promise<void>((resolve, reject) => p.flush(30_000, (err: unknown) => (err ? reject(err) : resolve()))))).then(() => undefined),
    close: () => Promise.all(producers.map((p) => new Promise<void>((resolve) => p.disconnect(() => resolve())))).then(() => undefined),
  };
}
