/**
 * kafka-wire, as its README shows: send(record, callback) per record, the accumulator batches
 * (linger 5 ms unless spec.lingerMs says otherwise, batch 16 KiB), acks=all with idempotence
 * (the defaults, spelled out).
 *
 * Several producers (spec.producers, the "producers per process" curve): record i goes through
 * producer i % N, each a KafkaProducer of its own (own buffer.memory, connections, sender) in
 * this one process; the loop waits while any of them has sends waiting for memory. Several
 * topics (spec.topics): record i goes to topics[i % topics.length]. Transactions: one producer.
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
  const count = spec.producers ?? 1;
  if (txn && count !== 1) throw new Error('a transactional run has one producer');
  const producers = Array.from(
    { length: count },
    () =>
      new KafkaProducer({
        bootstrapServers: spec.bootstrap,
        acks: 'all',
        enableIdempotence: true,
        lingerMs: spec.lingerMs ?? 5,
        batchSize: 16384,
        ...(spec.bufferMemoryBytes ? { bufferMemory: spec.bufferMemoryBytes } : {}),
        compressionType: spec.compression,
        ...(txn ? { transactionalId: txn.id } : {}),
      }),
  );
  const producer = producers[0];
  const topic = spec.topic;
  const topics = spec.topics && spec.topics.length > 0 ? spec.topics : [topic];
  let yields = 0;
  let waiting = false;
  const shared = (err: Error | null) => ctx.ackCount(err);
  const version = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  // Sends waiting for buffer.memory queue up without blocking; wait with them, as a
  // blocked Java send() would. metrics() builds every figure (it walks the queued batches),
  // so it is asked every 16th yield only, and every time once sends are waiting.
  const memoryBusy =
    count === 1
      ? () => {
          if (waiting || ++yields % 16 === 0) waiting = producer.metrics()['waiting-sends'] > 0;
          return waiting;
        }
      : () => {
          if (waiting || ++yields % 16 === 0) waiting = producers.some((p) => p.metrics()['waiting-sends'] > 0);
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
      // Every producer connected, with metadata for every topic, before the timed part.
      await Promise.all(producers.flatMap((p) => topics.map((t) => p.send({ topic: t, key: ctx.key(0), value: ctx.value(0) }))));
      ctx.ackCount(null);
      if (txn) {
        await producer.commitTransaction();
        begin();
      }
    },
    // The plain case (one producer, one topic) stays the loop it has always been.
    sendOne:
      count === 1 && topics.length === 1
        ? (i) => {
            producer.send({ topic, key: ctx.key(i), value: ctx.value(i) }, spec.latency ? (err) => ctx.ack(i, err) : shared);
            return true;
          }
        : (i) => {
            producers[i % count].send({ topic: topics[i % topics.length], key: ctx.key(i), value: ctx.value(i) }, spec.latency ? (err) => ctx.ack(i, err) : shared);
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
      : () => Promise.all(producers.map((p) => p.flush())).then(() => undefined),
    close: () => Promise.all(producers.map((p) => p.close({ timeoutMs: 10_000 }))).then(() => undefined),
    metrics() {
      // Over every producer: Produce requests and the records in them (the warm-up included).
      let requests = 0;
      let records = 0;
      let batches = 0;
      let bytes = 0;
      for (const p of producers) {
        const m = p.metrics() as unknown as Record<string, number | undefined>;
        const r = m['request-total'] ?? 0;
        requests += r;
        records += (m['records-per-request-avg'] ?? 0) * r;
        batches += m['batch-total'] ?? 0;
        bytes += m['outgoing-byte-total'] ?? 0;
      }
      return { produceRequests: requests, recordsPerRequest: requests > 0 ? records / requests : undefined, batchSizeAvg: batches > 0 ? bytes / batches : undefined };
    },
  };
  return driver;
}
