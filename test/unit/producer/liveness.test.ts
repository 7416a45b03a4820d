// Liveness of the idempotent sender against a broker that behaves like a real Kafka broker
// right after a topic was created, under load: seeded, randomized, on virtual time. The
// producer is the conformance matrix's (acks=all, idempotence, 5 in flight, linger 5 ms,
// batch.size 2048, gzip), sending 100 records (keyed, null keys, explicit partitions, headers)
// to a 4-partition topic, then flush() (or close() with a timeout, for some seeds). The model,
// the driver and the checks live in liveness/model.ts; this file runs the first three
// profiles, and liveness/*.test.ts the others (one file per defect class, below).
//
// The fake broker (test/support/fake-broker.ts) carries the wire protocol; every Produce
// partition is answered by the model (through onProduce's per-partition `errors`, which the
// fake broker answers verbatim, and which the model fills in when the request is processed),
// so the test decides, per request and per partition, what a real broker would do:
//  - a "fresh" phase per partition: its leader does not serve it yet (NOT_LEADER_OR_FOLLOWER,
//    UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE, NOT_ENOUGH_REPLICAS), while metadata may
//    list it without a leader (-1), or the topic not at all for a while;
//  - Kafka's order of checks: authorization, leadership, CRC and max.message.bytes
//    (MESSAGE_TOO_LARGE), then LogValidator (INVALID_RECORD / INVALID_TIMESTAMP with record
//    errors, nothing appended, whatever the sequence), then the idempotent log of
//    UnifiedLog/ProducerAppendInfo: a repeat of one of the last 5 batches of the producer's
//    current epoch is a duplicate (NONE with its original offset, as Kafka answers today), an
//    older epoch is INVALID_PRODUCER_EPOCH, a new epoch must start at sequence 0, a gap is
//    OUT_OF_ORDER_SEQUENCE_NUMBER, and a producer the partition holds no state for is accepted
//    at any sequence (Kafka 2.5 to 4.4, KAFKA-15591; the 'strict' profile wants 0 there). A
//    producer that renumbers a partition's batches wrongly therefore gets
//    OUT_OF_ORDER_SEQUENCE_NUMBER for ever, as from a real broker;
//  - faults until `faultsEndMs`: transient errors that did not append (NOT_ENOUGH_REPLICAS,
//    NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION) or did (REQUEST_TIMED_OUT and
//    NOT_ENOUGH_REPLICAS_AFTER_APPEND, as with acks=all), requests that wait seconds before and
//    after being processed, connections dropped before a request is processed (sometimes
//    processed later all the same) or after it was appended (a lost answer), throttling, slow
//    or failing Metadata and InitProducerId, partitions that lose their leader for a while, the
//    topic missing from metadata for a while, batches above max.message.bytes (split), and with
//    three brokers, leaders that move (announced by KIP-951 hints or not; metadata lags).
// After `faultsEndMs` the broker is healthy and prompt: the producer must then deliver every
// record, exactly once, in send order per partition, with the offsets the log has, and flush()
// must resolve long before delivery.timeout.ms (120 s) of virtual time. The 'expiry' profile
// has delivery.timeout.ms of 5-15 s instead: records may then time out, but none may be
// written twice or out of order, and records sent after the faults must go through.
//
// Every seed also fails on:
//  - a stall: virtual time only moves when nothing is left to do at the current instant (the
//    driver lets real socket I/O settle, then jumps to the next producer timer or held broker
//    answer; every answer takes at least 1 virtual ms); nothing pending at all while records
//    are unsettled is a lost wakeup;
//  - a retry storm: one batch sent 20 times within 500 virtual ms (retries that skip backoff);
//  - a Metadata storm. Java's Metadata.timeToAllowUpdate lets a refresh go only
//    refreshBackoff(attempts) after the last one, success or failure (retry.backoff.ms = 100
//    with 20% jitter, so at least 80 ms, growing to retry.backoff.max.ms over equivalent
//    answers); only a new topic (requestUpdateForNewTopics) skips it. The bound: within any
//    1000 virtual ms at most floor(1000 / 80) + 1 = 13 Metadata requests, + 2 for new topics
//    (a topic first used, or used again after metadata.max.idle.ms), + 1 per connection the
//    model dropped in the last 2000 ms (a disconnect may ask for an update). 15 a second is
//    what Java's fastest spacing allows, not its usual rate; a producer that refreshes on
//    every answer, or in a loop while a topic cannot be resolved, exceeds it at once;
//  - a record sent again after its success answer reached the producer (an answer written on
//    a connection that is still open when the record comes back), even when the broker takes
//    the repeat for a duplicate: a written batch is completed, not retried;
//  - an exception thrown out of a producer timer (uncaught in Node). An unhandled promise
//    rejection fails the Jest test itself (the partitioner's error names the seed and record).
// Requests per API are counted in every seed (LIVENESS_STATS=1 prints them per profile; a
// failing seed's line shows its Metadata and Produce counts).
//
// The other profiles (liveness/*.test.ts), each the 'kafka' rules and faults plus:
//  - refusals (cross-epoch-refusals.test.ts): records the broker refuses for good (INVALID_RECORD
//    with record errors, INVALID_TIMESTAMP, one record above max.message.bytes), small batches
//    and held answers, so one partition's refusal bumps the epoch while another partition has
//    batches in flight under the old one, and then has one refused too. Only the records of a
//    refused batch may fail (Java fails the batch: the named records with their error, the
//    others with a KafkaException); every other batch is renumbered as needed and delivered
//    (TransactionManager.handleFailedBatch bumps the epoch for the partition whatever epoch
//    the refused batch had);
//  - idle (idle-expiry.test.ts): metadata.max.idle.ms of 5-8 s and an outage longer than that
//    (the topic's leaders gone, or no broker reachable) while batches wait: the topic must not
//    be forgotten while it has batches (Java's Sender re-adds unknown-leader topics), every
//    record is delivered when the leaders are back, and Metadata does not storm meanwhile;
//  - topic-errors (topic-errors.test.ts): TOPIC_AUTHORIZATION_FAILED in Metadata (and Produce)
//    for a while, and sends to partition 5 of a 1-partition topic with max.block.ms of 3-6 s:
//    those records fail with typed errors (TopicAuthorizationError, TimeoutError), the others
//    are delivered, and Metadata does not storm;
//  - partitioner (partitioner.test.ts): a custom partitioner that throws for some keys, also
//    for sends that waited for metadata: only those records fail (their callback gets the
//    error or a wrapper of it; Java's send() throws it), flush() resolves;
//  - refresh (refresh-in-flight.test.ts): metadata.max.age.ms of 0.2-2 s while Produce answers
//    are held, and topic-level LEADER_NOT_AVAILABLE in Metadata for a while (the topic leaves
//    the producer's metadata, Produce is still served): a v13 answer names the topic by id, and
//    a batch written meanwhile is completed with its offset, not sent again.
//
// Investigation: LIVENESS_SEEDS=n (default 200: kafka runs n seeds, strict and expiry n/2, each
// other profile n/4), LIVENESS_SEED=k (one seed, with its trace), LIVENESS_TRACE=1 (traces of
// failing seeds), LIVENESS_FULL=1 (run past delivery.timeout.ms instead of stopping at the
// bound), LIVENESS_STATS=1 (flush latency, requests per API), LIVENESS_ALLOW_STORMS=1,
// LIVENESS_PROGRESS=1.
import { KafkaProducer } from '../../../src/producer/kafka-producer';
import type { RecordMetadata } from '../../../src/producer/record';
import { ErrorCode, FakeCluster } from '../../support/fake-broker';
import { FakeClock } from '../../support/fake-clock';
import { DELIVERY_TIMEOUT_MS, LATE_RECORDS, mulberry32, runProfile, seedList, timeoutFor } from './liveness/model';

const seeds = seedList(1);
const fewer = seedList(1 / 2);

describe('liveness against a freshly created topic (seeded, virtual time)', () => {
  // Kafka's own rules: a partition with no state for the producer accepts any first sequence.
  test(`profile kafka: ${seeds.length} seeds x 100 records: all delivered once, in order, long before delivery.timeout.ms`, () => runProfile('kafka', seeds), timeoutFor(seeds.length));

  // The same faults, with a broker that also wants sequence 0 from a producer it does not know
  // (which takes Kafka's hole away): what remains is the sender's own liveness.
  test(`profile strict: ${fewer.length} seeds x 100 records`, () => runProfile('strict', fewer), timeoutFor(fewer.length));

  // Batches expire during the faults: outcomes stay exactly once and in order, and the producer recovers.
  test(`profile expiry: ${fewer.length} seeds x 100 + ${LATE_RECORDS} records, delivery.timeout.ms 5-15 s`, () => runProfile('expiry', fewer), timeoutFor(fewer.length));
});

// ---------------------------------------------------------------------------------------
// Minimised failures

const owned: { cluster: FakeCluster; clock: FakeClock; producer: KafkaProducer<string, string> }[] = [];

async function cleanUp(): Promise<void> {
  for (const o of owned.splice(0)) {
    const closing = o.producer.close({ timeoutMs: 0 });
    o.clock.advance(0); // the close timeout is a virtual timer
    await closing.catch(() => {});
    await o.cluster.close();
  }
}

// The failure the randomized run finds, minimised: one partition, two batches in flight.
//
// A fresh producer pipelines a partition's first two batches (sequences 0 and 1). The
// partition's leader does not serve it yet when the first request is handled (refused,
// nothing appended), and does when the second is. Kafka (2.5 to 4.4, KAFKA-15591) accepts any
// first sequence from a producer it has no state for, so it writes sequence 1 first. Every
// retry of sequence 0 then gets OUT_OF_ORDER_SEQUENCE_NUMBER (it is not the next batch after
// what was acknowledged, so no epoch bump), until delivery.timeout.ms fails it: flush() waits
// 120 s. The records must instead be written, in order, seconds after the partition is served.

describe('a partition\'s first batch refused while its second is in flight (broker without state for the producer)', () => {
  afterEach(cleanUp);

  test.each([
    ['NOT_LEADER_OR_FOLLOWER', ErrorCode.NOT_LEADER_OR_FOLLOWER],
    ['UNKNOWN_TOPIC_OR_PARTITION', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ['NOT_ENOUGH_REPLICAS', ErrorCode.NOT_ENOUGH_REPLICAS],
  ])('first answer %s: both records written in order, within seconds', async (_name, code) => {
    // Kafka's rules: a new producer at any sequence; a repeat answered with its original offset.
    const cluster = await FakeCluster.start({ topics: { t: 1 }, unknownProducerMode: 'accept', duplicateMode: 'original-offset' });
    const clock = new FakeClock();
    // batchSize 1: one record per batch, so 'a' and 'b' are two batches (sequences 0 and 1).
    const producer = new KafkaProducer<string, string>({ bootstrapServers: cluster.bootstrap, lingerMs: 0, batchSize: 1 }, { clock, random: mulberry32(1), jitter: () => 0.5 });
    owned.push({ cluster, clock, producer });
    const broker = cluster.brokers[0];
    const outcomes: { value: string; err: Error | null; md: RecordMetadata | null; atMs: number }[] = [];
    const t0 = clock.now();
    const release = broker.holdProduce(); // the first Produce waits, and what follows it on the connection
    for (const value of ['a', 'b']) {
      producer.send({ topic: 't', partition: 0, value }, (err, md) => outcomes.push({ value, err, md: err ? null : md, atMs: clock.now() - t0 }));
    }
    await clock.waitFor(() => broker.outstandingProduce >= 1, { what: 'the first Produce' });
    await clock.advanceAndSettle(10); // the sender may put the second batch in flight meanwhile
    cluster.failNext('t', 0, code); // the first request handled is refused (nothing appended)
    release();
    await clock.runUntil(() => outcomes.length === 2, { stepMs: 250, maxVirtualMs: DELIVERY_TIMEOUT_MS + 5_000, timeoutMs: 20_000 });
    const summary = outcomes.map((o) => `${o.value}: ${o.err ? `${o.err.name} at ${o.atMs} ms` : `offset ${o.md!.offset} at ${o.atMs} ms`}`);
    expect(summary.filter((s) => s.includes('Error'))).toEqual([]);
    expect(Math.max(...outcomes.map((o) => o.atMs))).toBeLessThan(5_000);
    expect(cluster.records('t', 0).map((r) => r.valueString)).toEqual(['a', 'b']);
    expect(outcomes.map((o) => [o.value, o.md!.offset])).toEqual([
      ['a', 0n],
      ['b', 1n],
    ]);
  }, 30_000);
});

describe('a partition\'s first batch refused, the second written but its answer lost (broker without state for the producer)', () => {
  afterEach(cleanUp);

  // Worse than a stall. 'b' (sequence 1) is written first and its answer is lost; 'a'
  // (sequence 0) is retried and gets OUT_OF_ORDER_SEQUENCE_NUMBER. Nothing is acknowledged, so
  // to the producer 'a' is the next batch the broker expects: it takes the error for lost
  // broker state (IdempotenceManager.handleOutOfOrder -> requestEpochBump), bumps the epoch and
  // renumbers both batches from 0 (rewritePending), 'b' included, though its first attempt may
  // be in the log. The broker takes the new epoch at sequence 0: the log is b, a, b.
  test('no record written twice, none out of order', async () => {
    const cluster = await FakeCluster.start({ topics: { t: 1 }, unknownProducerMode: 'accept', duplicateMode: 'original-offset' });
    const clock = new FakeClock();
    const producer = new KafkaProducer<string, string>({ bootstrapServers: cluster.bootstrap, lingerMs: 0, batchSize: 1 }, { clock, random: mulberry32(3), jitter: () => 0.5 });
    owned.push({ cluster, clock, producer });
    const broker = cluster.brokers[0];
    const outcomes: { value: string; err: Error | null; md: RecordMetadata | null }[] = [];
    const release = broker.holdProduce();
    for (const value of ['a', 'b']) producer.send({ topic: 't', partition: 0, value }, (err, md) => outcomes.push({ value, err, md: err ? null : md }));
    await clock.waitFor(() => broker.outstandingProduce >= 1, { what: 'the first Produce' });
    await clock.advanceAndSettle(10);
    cluster.failNext('t', 0, ErrorCode.NOT_ENOUGH_REPLICAS); // the first request handled: refused
    broker.onProduce((_req, ctx) => (ctx.index === 1 ? { dropAfterAppend: true } : undefined)); // the second: written, answer lost
    release();
    await clock.runUntil(() => outcomes.length === 2, { stepMs: 250, maxVirtualMs: DELIVERY_TIMEOUT_MS + 5_000, timeoutMs: 20_000 });
    expect(cluster.records('t', 0).map((r) => r.valueString)).toEqual(['a', 'b']);
    expect(outcomes.map((o) => `${o.value}: ${o.err ? o.err.name : `offset ${o.md!.offset}`}`)).toEqual(['a: offset 0', 'b: offset 1']);
  }, 30_000);
});

// The second failure the randomized run finds (several brokers, leaders that move), minimised.
//
// The old leader of t-0 (node 1) answers NOT_LEADER_OR_FOLLOWER naming node 0 as the new
// leader at epoch 1 (KIP-951); Metadata still says node 1 at epoch 0 (a broker whose metadata
// lags). The producer takes the hint (sender.handlePartitionResponse -> metadata.updateLeader,
// batch.leaderChangedSinceRetry = true: no retry backoff) and asks for Metadata at once. If the
// batch cannot go to node 0 before that answer comes (here node 0 asked for a 1 s throttle;
// equally its connection is not ready yet, or has 5 requests in flight), ProducerMetadata.update
// puts node 1 back (it takes any leader epoch, also an older one). The batch goes to node 1
// again without backoff, the hint "changes" the leader again, and so on at network speed, with
// a Metadata request each time, until node 0 can take it or metadata catches up. Java keeps the
// newer epoch (Metadata.updateLatestMetadata), so the hint applies once.

describe('a stale Metadata answer against a leader change learned from a Produce answer (KIP-951)', () => {
  afterEach(cleanUp);

  test('no retry loop to the old leader while the new one cannot take the batch yet', async () => {
    const cluster = await FakeCluster.start({ brokers: 2, topics: { t: { partitions: 2, leaders: [1, 0] } } });
    const clock = new FakeClock();
    const producer = new KafkaProducer<string, string>({ bootstrapServers: cluster.bootstrap, lingerMs: 0 }, { clock, random: mulberry32(2), jitter: () => 0.5 });
    owned.push({ cluster, clock, producer });
    const [node0, node1] = cluster.brokers;
    let settled = 0;
    // Node 0 (leader of t-1) asks for 1 s of throttling in its answer.
    node0.onProduce(() => ({ throttleTimeMs: 1000 }));
    producer.send({ topic: 't', partition: 1, value: 'warm-up 0' }, () => settled++);
    producer.send({ topic: 't', partition: 0, value: 'warm-up 1' }, () => settled++);
    await clock.waitFor(() => settled === 2, { what: 'the warm-up records' });
    node0.clearHooks();
    // From now on node 0 leads t-0 and takes it; node 1 refuses it and names node 0. The fake
    // cluster, which answers Metadata, still says node 1 at epoch 0.
    node0.onProduce((req) => (req.topics.some((t) => t.partitions.some((p) => p.index === 0)) ? { errors: [{ topic: 't', partition: 0, errorCode: 0, baseOffset: 1 }] } : undefined));
    node1.onProduce(() => ({ errors: [{ topic: 't', partition: 0, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, currentLeader: { leaderId: 0, leaderEpoch: 1 } }] }));
    const before = node1.requestsOf('Produce').length;
    const metadataBefore = cluster.requests.filter((r) => r.api === 'Metadata').length;
    producer.send({ topic: 't', partition: 0, value: 'x' }, () => settled++);
    // 200 ms of real I/O while virtual time stands still (node 0 stays throttled meanwhile).
    const t0 = Date.now();
    while (Date.now() - t0 < 200) await clock.tick(1);
    const toOldLeader = node1.requestsOf('Produce').length - before;
    const metadata = cluster.requests.filter((r) => r.api === 'Metadata').length - metadataBefore;
    await clock.runUntil(() => settled === 3, { stepMs: 50, maxVirtualMs: 5_000 });
    expect({ toOldLeader, metadata }).toEqual({ toOldLeader: 1, metadata: expect.any(Number) });
    expect(metadata).toBeLessThanOrEqual(2);
    expect(node0.requestsOf('Produce').filter((r) => r.partitions?.some((p) => p.partition === 0))).toHaveLength(1);
  }, 30_000);
});
