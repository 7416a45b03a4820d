/**
 * @platformatic/kafka 1.x (its 2.x line needs Node 22): no accumulator in send(), so batches
 * of 100 messages per send(); idempotent (which makes it force acks=all and one request in
 * flight). Only one send() may be unanswered: with several, 1.35.0 gives batches of the same
 * partition out-of-order sequence numbers and the broker refuses them
 * (OUT_OF_ORDER_SEQUENCE_NUMBER; compare platformatic/kafka#326). lz4 is built in; zstd needs
 * node:zlib's zstd (Node >= 22.15).
 */
import type { ClientDriver, DriverContext } from '../driver';
import { importPeer, peerVersion } from './peers';

export async function createDriver(ctx: DriverContext): Promise<ClientDriver> {
  const { spec } = ctx;
  const { Producer } = await importPeer('@platformatic/kafka');
  const producer = new Producer({
    clientId: 'bench-platformatic',
    bootstrapBrokers: [spec.bootstrap],
    idempotent: true,
    acks: -1,
    autocreateTopics: false,
    ...(spec.compression !== 'none' ? { compression: spec.compression } : {}),
  });
  const topic = spec.topic;
  const messages = (from: number, to: number) => {
    const out = new Array(to - from);
    for (let i = from; i < to; i++) {
      const key = ctx.key(i);
      out[i - from] = key === null ? { topic, value: ctx.value(i) } : { topic, key, value: ctx.value(i) };
    }
    return out;
  };
  return {
    version: peerVersion('@platformatic/kafka'),
    mode: 'batch',
    hasAccumulator: false,
    maxBatchesInFlight: 1,
    async open() {
      await producer.send({ messages: messages(0, 1) });
      ctx.ackCount(null);
    },
    sendBatch(from, to) {
      producer.send({ messages: messages(from, to) }).then(
        () => ctx.ackRange(from, to, null),
        (err: unknown) => ctx.ackRange(from, to, err),
      );
    },
    flush: async () => {},
    close: () => producer.close(),
  };
}
