/**
 * kafka-wire, as its README shows: send(record, callback) per record, the accumulator batches
 * (linger 5 ms, batch 16 KiB), acks=all with idempotence (the defaults, spelled out).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KafkaProducer } from '../../../src';
import { REPO_ROOT } from '../../paths';
import type { ClientDriver, DriverContext } from '../driver';

export function createDriver(ctx: DriverContext): ClientDriver {
  const { spec } = ctx;
  const producer = new KafkaProducer({
    bootstrapServers: spec.bootstrap,
    acks: 'all',
    enableIdempotence: true,
    lingerMs: 5,
    batchSize: 16384,
    compressionType: spec.compression,
  });
  const topic = spec.topic;
  let yields = 0;
  let waiting = false;
  const shared = (err: Error | null) => ctx.ackCount(err);
  const version = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  return {
    version,
    mode: 'record',
    async open() {
      await producer.send({ topic, key: ctx.key(0), value: ctx.value(0) });
      ctx.ackCount(null);
    },
    sendOne(i) {
      producer.send({ topic, key: ctx.key(i), value: ctx.value(i) }, spec.latency ? (err) => ctx.ack(i, err) : shared);
      return true;
    },
    // Sends waiting for buffer.memory queue up without blocking; wait with them, as a
    // blocked Java send() would. metrics() builds every figure (it walks the queued batches),
    // so it is asked every 16th yield only, and every time once sends are waiting.
    isBusy() {
      if (waiting || ++yields % 16 === 0) waiting = producer.metrics()['waiting-sends'] > 0;
      return waiting;
    },
    flush: () => producer.flush(),
    close: () => producer.close({ timeoutMs: 10_000 }),
  };
}
