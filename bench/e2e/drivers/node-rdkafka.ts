/**
 * node-rdkafka (librdkafka bundled and compiled at install): produce() per record, the
 * accumulator of librdkafka batches (linger.ms 5, batch.size 16 KiB), acks=all, idempotence,
 * the Java-compatible murmur2_random partitioner, delivery reports (dr_cb). Reports reach JS
 * only when polled: every 10 ms and at each yield of the loop (every 1 ms for W4). A full
 * queue (QUEUE_FULL) makes the loop poll, wait and try the record again.
 */
import type { ClientDriver, DriverContext } from '../driver';
import { peerVersion, requirePeer } from './peers';

const ERR_QUEUE_FULL = -184;

export function createDriver(ctx: DriverContext): ClientDriver {
  const { spec } = ctx;
  const Kafka = requirePeer('node-rdkafka');
  const producer = new Kafka.Producer({
    'client.id': 'bench-node-rdkafka',
    'metadata.broker.list': spec.bootstrap,
    acks: 'all',
    'enable.idempotence': true,
    'linger.ms': 5,
    'batch.size': 16384,
    'compression.codec': spec.compression,
    partitioner: 'murmur2_random',
    dr_cb: true,
  });
  const topic = spec.topic;
  let warm: ((err: unknown) => void) | null = null;
  producer.on('delivery-report', (err: unknown, report: { opaque: unknown }) => {
    const i = report?.opaque;
    if (i === 'warm-up') warm?.(err);
    else if (typeof i === 'number') ctx.ack(i, err);
    else ctx.ackCount(err);
  });
  return {
    version: `${peerVersion('node-rdkafka')} (librdkafka ${Kafka.librdkafkaVersion})`,
    mode: 'record',
    async open() {
      await new Promise<void>((resolve, reject) => producer.connect({}, (err: unknown) => (err ? reject(err) : resolve())));
      producer.setPollInterval(spec.latency ? 1 : 10);
      await new Promise<void>((resolve, reject) => {
        warm = (err) => (err ? reject(err) : resolve());
        producer.produce(topic, null, ctx.value(0), ctx.key(0), null, 'warm-up');
      });
      ctx.ackCount(null);
    },
    sendOne(i) {
      try {
        producer.produce(topic, null, ctx.value(i), ctx.key(i), null, spec.latency ? i : null);
        return true;
      } catch (err) {
        if ((err as { code?: number }).code === ERR_QUEUE_FULL) {
          producer.poll();
          return false;
        }
        throw err;
      }
    },
    isBusy() {
      producer.poll();
      return false;
    },
    flush: () => new Promise<void>((resolve, reject) => producer.flush(30_000, (err: unknown) => (err ? reject(err) : resolve()))),
    close: () => new Promise<void>((resolve) => producer.disconnect(() => resolve())),
  };
}
