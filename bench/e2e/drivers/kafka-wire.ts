/**
 * kafka-wire, as its README shows: send(record, callback) per record, the accumulator batches
 * (linger 5 ms, batch 16 KiB), acks=all with idempotence (the defaults, spelled out).
 *
 * Transactional workloads (W6-txn): the producer gets the run's transactional id; open()
 * initialises it and begins the first transaction. The loop asks isBusy() every YIELD_EVERY
 * records; once commitEveryMs have passed since the transaction began, that call starts
 * commitTransaction() and the driver says busy until it resolves and the next transaction has
 * begun (send() is refused meanwhile, as a commit in progress takes no records). flush()
 * commits the last one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { KafkaProducer } from '../../../src';
import { REPO_ROOT } from '../../paths';
import { percentile, type ClientDriver, type DriverContext } from '../driver';

export function createDriver(ctx: DriverContext): ClientDriver {
  const { spec } = ctx;
  const txn = spec.transactional ?? null;
  const producer = new KafkaProducer({
    bootstrapServers: spec.bootstrap,
    acks: 'all',
    enableIdempotence: true,
    lingerMs: 5,
    batchSize: 16384,
    compressionType: spec.compression,
    ...(txn ? { transactionalId: txn.id } : {}),
  });
  const topic = spec.topic;
  let yields = 0;
  let waiting = false;
  const shared = (err: Error | null) => ctx.ackCount(err);
  const version = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  // Sends waiting for buffer.memory queue up without blocking; wait with them, as a
  // blocked Java send() would. metrics() builds every figure (it walks the queued batches),
  // so it is asked every 16th yield only, and every time once sends are waiting.
  const memoryBusy = () => {
    if (waiting || ++yields % 16 === 0) waiting = producer.metrics()['waiting-sends'] > 0;
    return waiting;
  };

  // Transactions: when the open one began, whether a commit runs, and how long commits took.
  let txnBegan = 0;
  let committing = false;
  let commitFailed: unknown = null;
  const commitMs: number[] = [];
  const begin = () => {
    producer.beginTransaction();
    txnBegan = performance.now();
  };
  const commit = async () => {
    const t = performance.now();
    await producer.commitTransaction();
    commitMs.push(performance.now() - t);
  };
  const txnBusy = () => {
    if (commitFailed) throw commitFailed;
    if (committing) return true;
    if (performance.now() - txnBegan >= txn!.commitEveryMs) {
      committing = true;
      commit().then(
        () => {
          begin();
          committing = false;
        },
        (err) => (commitFailed = err),
      );
      return true;
    }
    return memoryBusy();
  };

  const driver: ClientDriver = {
    version,
    mode: 'record',
    async open() {
      if (txn) {
        await producer.initTransactions();
        producer.beginTransaction();
      }
      await producer.send({ topic, key: ctx.key(0), value: ctx.value(0) });
      ctx.ackCount(null);
      if (txn) {
        await producer.commitTransaction();
        begin();
      }
    },
    sendOne(i) {
      producer.send({ topic, key: ctx.key(i), value: ctx.value(i) }, spec.latency ? (err) => ctx.ack(i, err) : shared);
      return true;
    },
    isBusy: txn ? txnBusy : memoryBusy,
    flush: txn
      ? async () => {
          while (committing && !commitFailed) await new Promise((r) => setTimeout(r, 1));
          if (commitFailed) throw commitFailed;
          await commit();
          const sorted = Float64Array.from(commitMs).sort();
          driver.commits = { count: sorted.length, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99), maxMs: sorted[sorted.length - 1] };
        }
      : () => producer.flush(),
    close: () => producer.close({ timeoutMs: 10_000 }),
  };
  return driver;
}
