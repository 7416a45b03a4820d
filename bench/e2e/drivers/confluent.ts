/**
 * @confluentinc/kafka-javascript through its KafkaJS-compatible API, which its README
 * recommends: producer.send() with arrays of 100 messages, several unanswered (the pattern of
 * its own performance test), over librdkafka's accumulator (linger.ms 5 unless spec.lingerMs
 * says otherwise, batch.size 16 KiB), acks=all, idempotence. At a fixed rate (W4) each record
 * is its own unawaited send(), since librdkafka batches by itself. Built here against
 * Debian's librdkafka (CKJS_LINKING=dynamic).
 */
import type { ClientDriver, DriverContext } from '../driver';
import { peerVersion, requirePeer } from './peers';

export function createDriver(ctx: DriverContext): ClientDriver {
  const { spec } = ctx;
  const ckjs = requirePeer('@confluentinc/kafka-javascript');
  const { Kafka, CompressionTypes, logLevel } = ckjs.KafkaJS;
  const compression = spec.compression === 'lz4' ? CompressionTypes.LZ4 : spec.compression === 'zstd' ? CompressionTypes.ZSTD : CompressionTypes.None;
  const kafka = new Kafka({ kafkaJS: { clientId: 'bench-confluent', brokers: [spec.bootstrap], logLevel: logLevel.ERROR } });
  const producer = kafka.producer({
    kafkaJS: { acks: -1, idempotent: true, compression },
    'linger.ms': spec.lingerMs ?? 5,
    'batch.size': 16384,
  });
  const topic = spec.topic;
  const messages = (from: number, to: number) => {
    const out = new Array(to - from);
    for (let i = from; i < to; i++) out[i - from] = { key: ctx.key(i), value: ctx.value(i) };
    return out;
  };
  return {
    version: `${peerVersion('@confluentinc/kafka-javascript')} (librdkafka ${ckjs.librdkafkaVersion})`,
    mode: 'batch',
    hasAccumulator: true,
    async open() {
      await producer.connect();
      await producer.send({ topic, messages: messages(0, 1) });
      ctx.ackCount(null);
    },
    sendBatch(from, to) {
      producer.send({ topic, messages: messages(from, to) }).then(
        () => ctx.ackRange(from, to, null),
        (err: unknown) => ctx.ackRange(from, to, err),
      );
    },
    flush: () => producer.flush({ timeout: 30_000 }),
    close: () => producer.disconnect(),
  };
}
