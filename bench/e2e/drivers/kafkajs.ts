/**
 * kafkajs 2.x, as its docs recommend for throughput: no accumulator, so batches of 100
 * messages per producer.send(), several calls unanswered; idempotent (which its docs call
 * experimental; it forces acks=-1 and serializes requests per broker). lz4 through the
 * kafkajs-lz4 codec package; zstd needs @kafkajs/zstd, a native build (see the orchestrator).
 */
import type { ClientDriver, DriverContext } from '../driver';
import { peerVersion, requirePeer } from './peers';

export function createDriver(ctx: DriverContext): ClientDriver {
  const { spec } = ctx;
  const kafkajs = requirePeer('kafkajs');
  const { Kafka, CompressionTypes, CompressionCodecs, logLevel } = kafkajs;
  let compression = CompressionTypes.None;
  if (spec.compression === 'lz4') {
    const LZ4Codec = requirePeer('kafkajs-lz4');
    CompressionCodecs[CompressionTypes.LZ4] = new (LZ4Codec.default ?? LZ4Codec)().codec;
    compression = CompressionTypes.LZ4;
  } else if (spec.compression === 'zstd') {
    const { ZstdCodec } = requirePeer('@kafkajs/zstd');
    CompressionCodecs[CompressionTypes.ZSTD] = ZstdCodec();
    compression = CompressionTypes.ZSTD;
  }
  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers: [spec.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
  const topic = spec.topic;
  const messages = (from: number, to: number) => {
    const out = new Array(to - from);
    for (let i = from; i < to; i++) out[i - from] = { key: ctx.key(i), value: ctx.value(i) };
    return out;
  };
  return {
    version: peerVersion('kafkajs'),
    mode: 'batch',
    hasAccumulator: false,
    async open() {
      await producer.connect();
      await producer.send({ topic, acks: -1, compression, messages: messages(0, 1) });
      ctx.ackCount(null);
    },
    sendBatch(from, to) {
      producer.send({ topic, acks: -1, compression, messages: messages(from, to) }).then(
        () => ctx.ackRange(from, to, null),
        (err: unknown) => ctx.ackRange(from, to, err),
      );
    },
    flush: async () => {},
    close: () => producer.disconnect(),
  };
}
