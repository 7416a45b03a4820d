/**
 * What bench/micro's send() cases share: a kafka-wire producer whose metadata is already
 * known, talking to an in-process null broker (test/support/fake-broker.ts, null mode), and a
 * synchronous loop of keyed 100 B sends. Only the loop is timed: send() until the record sits
 * in its batch. Between timed loops, flush() lets the sender hand the batches to the broker and
 * the buffers return to the pool.
 */
import { KafkaProducer } from '../../src';
import { FakeCluster } from '../../test/support/fake-broker';
import { benchKeys, benchValues, KEY_COUNT, VALUE_COUNT } from '../data';

export const TOPIC = 'send-bench';
export const PARTITIONS = 6;

export type SendForm = 'callback' | 'promise';

export interface SendRig {
  producer: KafkaProducer;
  /** Sends records [0, count) synchronously in the given form; returns elapsed ns. */
  sendLoop(count: number, form: SendForm): number;
  close(): Promise<void>;
}

export async function startSendRig(): Promise<SendRig> {
  const cluster = await FakeCluster.start({ null: true, topics: { [TOPIC]: PARTITIONS } });
  const producer = new KafkaProducer({ bootstrapServers: cluster.bootstrap, lingerMs: 5, batchSize: 16384 });
  const keys = benchKeys();
  const values = benchValues(100);
  await producer.send({ topic: TOPIC, key: keys[0], value: values[0] });
  let failures = 0;
  const onDone = (err: Error | null) => {
    if (err) failures++;
  };
  const onReject = () => failures++;
  let seq = 0;
  return {
    producer,
    sendLoop(count, form) {
      if (failures > 0) throw new Error(`${failures} sends failed`);
      const t0 = process.hrtime.bigint();
      if (form === 'callback') {
        for (let i = 0; i < count; i++, seq++) {
          producer.send({ topic: TOPIC, key: keys[seq & (KEY_COUNT - 1)], value: values[seq & (VALUE_COUNT - 1)] }, onDone);
        }
      } else {
        for (let i = 0; i < count; i++, seq++) {
          // A caller keeps the promise; here it is dropped once a rejection handler is on it.
          producer.send({ topic: TOPIC, key: keys[seq & (KEY_COUNT - 1)], value: values[seq & (VALUE_COUNT - 1)] }).catch(onReject);
        }
      }
      return Number(process.hrtime.bigint() - t0);
    },
    async close() {
      await producer.close();
      await cluster.close();
    },
  };
}
