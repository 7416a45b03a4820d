// Liveness of the idempotent sender against a broker that behaves like a real Kafka broker
// right after a topic was created, under load: seeded, randomized, on virtual time. The
// producer is the conformance matrix's (acks=all, idempotence, 5 in flight, linger 5 ms,
// batch.size 2048, gzip), sending 100 records (keyed, null keys, explicit partitions, headers)
// to a 4-partition topic, then flush() (or close() with a timeout, for some seeds).
//
// The fake broker (test/support/fake-broker.ts) carries the wire protocol; every Produce
// partition is answered by the model in this file (through onProduce's per-partition
// `errors`, which the fake broker answers verbatim, and which this file fills in when the
// request is processed), so the test decides, per request and per partition, what a real
// broker would do:
//  - a "fresh" phase per partition: its leader does not serve it yet (NOT_LEADER_OR_FOLLOWER,
//    UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE, NOT_ENOUGH_REPLICAS), while metadata may
//    list it without a leader (-1), or the topic not at all for a while;
//  - the idempotent log of Kafka's UnifiedLog/ProducerAppendInfo: a repeat of one of the last
//    5 batches of the producer's current epoch is a duplicate (NONE with its original offset,
//    as Kafka answers today), an older epoch is INVALID_PRODUCER_EPOCH, a new epoch must start
//    at sequence 0, a gap is OUT_OF_ORDER_SEQUENCE_NUMBER, and a producer the partition holds
//    no state for is accepted at any sequence (Kafka 2.5 to 4.4, KAFKA-15591; the 'strict'
//    profile wants 0 there);
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
// Virtual time only moves when nothing is left to do at the current instant: the driver lets
// real socket I/O settle (requests in transit on either side, connections opening or closing,
// a sender pass queued), then jumps to the next virtual event (a producer timer or a held
// broker answer; every answer takes at least 1 virtual ms). If nothing is pending at all while
// records are unsettled, the producer has stalled (a lost wakeup), and the seed fails at once
// with the state it stalled in. A batch sent 20 times within 500 virtual ms (retries that skip
// the backoff) fails the seed as a retry storm.
//
// Investigation: LIVENESS_SEEDS=n (default 200; strict and expiry run n/2), LIVENESS_SEED=k
// (one seed, with its trace), LIVENESS_TRACE=1 (traces of failing seeds), LIVENESS_FULL=1 (run
// past delivery.timeout.ms instead of stopping at the bound), LIVENESS_STATS=1 (flush latency),
// LIVENESS_ALLOW_STORMS=1, LIVENESS_PROGRESS=1.
import type { ProducerOptions } from '../../../src/producer/config';
import { KafkaProducer } from '../../../src/producer/kafka-producer';
import type { ProducerRecord, RecordMetadata } from '../../../src/producer/record';
import { ErrorCode, FakeBroker, FakeCluster, PartitionErrorSpec, ProduceRequestBody } from '../../support/fake-broker';
import { FakeClock } from '../../support/fake-clock';

const TOPIC = 'fresh';
const PARTITIONS = 4;
const NOT_ENOUGH_REPLICAS_AFTER_APPEND = 20;
const COORDINATOR_NOT_AVAILABLE = 15;
const DELIVERY_TIMEOUT_MS = 120_000;
/** request.timeout.ms of the expiry profile (real time in Connection: no request is held that long). */
const REQUEST_TIMEOUT_SHORT_MS = 5_000;
/** Records sent after the first flush in the expiry profile (ids from 100). */
const LATE_RECORDS = 20;
/** Virtual time every broker answer takes at least. */
const NETWORK_MS = 1;
/** A batch sent this many times within this window is retried without backoff. */
const STORM_ATTEMPTS = 20;
const STORM_WINDOW_MS = 500;

// ---------------------------------------------------------------------------------------
// Seeded randomness

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
}

// ---------------------------------------------------------------------------------------
// Scenario: everything a seed decides up front

/**
 * kafka: Kafka's rules (a partition with no state for the producer takes any first sequence).
 * strict: a broker that wants sequence 0 from a producer it does not know (no such hole).
 * expiry: Kafka's rules with a short delivery.timeout.ms, so batches expire during the faults
 * (in flight or queued, their fate unknown): records may fail (TimeoutError), but none twice
 * nor out of order, and the producer must recover: 20 more records sent afterwards succeed.
 */
type Profile = 'kafka' | 'strict' | 'expiry';

interface Scenario {
  seed: number;
  profile: Profile;
  brokers: number;
  /** The topic appears in metadata from this virtual ms (relative to the start). */
  topicVisibleMs: number;
  /** Per partition: until then, Produce gets a "not served yet" error. */
  readyMs: number[];
  /** Per partition: until then, metadata lists it with leader -1. */
  metaLeaderMs: number[];
  /** The error a partition answers while not served yet (one per partition, or random each time). */
  freshErrors: (number | null)[];
  faultsEndMs: number;
  pPartitionError: number;
  pDelay: number;
  maxDelayMs: number;
  pDropBefore: number;
  pDropAfterAppend: number;
  pMetadataDelay: number;
  /** A request whose connection was dropped is still processed later (its response goes nowhere). */
  pZombie: number;
  /** Produce answers that ask the client to back off (ThrottleTimeMs). */
  pThrottle: number;
  /** The topic's max.message.bytes: batches above it get MESSAGE_TOO_LARGE and are split. */
  maxMessageBytes: number;
  initFailures: number;
  /** Partitions that lose their leader for a while (metadata -1, Produce refused), or a topic missing from metadata. */
  flaps: { atMs: number; partition: number; durationMs: number; metaLagMs: number; topicMissing: boolean }[];
  /** Leader moves (several brokers only): at, partition, to, metadata lag. */
  moves: { atMs: number; partition: number; to: number; metaLagMs: number; hint: boolean }[];
  /** Record bursts: how many, and the virtual gap before each. */
  bursts: { count: number; gapMs: number }[];
  /** How the run ends: flush(), or close() with a timeout of 60 s. */
  finish: 'flush' | 'close';
  /** expiry profile: delivery.timeout.ms (request.timeout.ms is 5 s then); else the default 120 s. */
  deliveryTimeoutMs: number;
}

const FRESH_ERRORS = [ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.LEADER_NOT_AVAILABLE, ErrorCode.NOT_ENOUGH_REPLICAS];

function scenario(seed: number, profile: Profile): Scenario {
  const r = new Rng(seed * 7919 + (profile === 'kafka' ? 1 : profile === 'strict' ? 2 : 3));
  const brokers = r.chance(0.7) ? 1 : 3;
  const readyMs: number[] = [];
  const metaLeaderMs: number[] = [];
  const freshErrors: (number | null)[] = [];
  for (let p = 0; p < PARTITIONS; p++) {
    const ready = r.chance(0.6) ? r.int(0, 4000) : 0;
    readyMs.push(ready);
    // Metadata may know the leader before the leader serves the partition, or after.
    metaLeaderMs.push(r.chance(0.5) ? r.int(0, ready + 1000) : 0);
    freshErrors.push(r.chance(0.5) ? r.pick(FRESH_ERRORS) : null);
  }
  const faultsEndMs = r.int(500, 15_000);
  const moves: Scenario['moves'] = [];
  if (brokers > 1) {
    const n = r.int(0, 4);
    for (let i = 0; i < n; i++) {
      moves.push({ atMs: r.int(0, faultsEndMs), partition: r.int(0, PARTITIONS - 1), to: r.int(0, brokers - 1), metaLagMs: r.int(0, 2000), hint: r.chance(0.5) });
    }
    moves.sort((a, b) => a.atMs - b.atMs);
  }
  const flaps: Scenario['flaps'] = [];
  if (r.chance(0.4)) {
    const n = r.int(1, 3);
    for (let i = 0; i < n; i++) {
      flaps.push({ atMs: r.int(0, faultsEndMs), partition: r.int(0, PARTITIONS - 1), durationMs: r.int(50, 3000), metaLagMs: r.int(0, 500), topicMissing: r.chance(0.25) });
    }
  }
  const bursts: Scenario['bursts'] = [];
  let left = 100;
  while (left > 0) {
    const count = bursts.length === 3 ? left : Math.min(left, r.int(10, 100));
    bursts.push({ count, gapMs: bursts.length === 0 ? 0 : r.int(0, 2000) });
    left -= count;
  }
  return {
    seed,
    profile,
    brokers,
    topicVisibleMs: r.chance(0.3) ? r.int(1, 1500) : 0,
    readyMs,
    metaLeaderMs,
    freshErrors,
    faultsEndMs,
    pPartitionError: r.pick([0, 0.05, 0.15, 0.3]),
    pDelay: r.pick([0, 0.1, 0.3, 0.6]),
    maxDelayMs: r.pick([50, 500, 3000, 8000]),
    pDropBefore: r.pick([0, 0, 0.02, 0.05]),
    pDropAfterAppend: r.pick([0, 0, 0.02, 0.05]),
    pMetadataDelay: r.pick([0, 0.2, 0.5]),
    pZombie: r.pick([0, 0.5, 1]),
    pThrottle: r.pick([0, 0, 0.1]),
    maxMessageBytes: r.chance(0.15) ? r.int(400, 1500) : Infinity,
    initFailures: r.chance(0.2) ? r.int(1, 3) : 0,
    moves,
    flaps,
    bursts,
    finish: r.chance(0.15) ? 'close' : 'flush',
    deliveryTimeoutMs: profile === 'expiry' ? r.int(REQUEST_TIMEOUT_SHORT_MS + 5, 15_000) : DELIVERY_TIMEOUT_MS,
  };
}

// ---------------------------------------------------------------------------------------
// The broker model: per-partition logs with Kafka's producer state checks

interface LogRecord {
  offset: number;
  /** The record's send index (from its 'seq' header). */
  id: number;
  producerId: number;
  producerEpoch: number;
  sequence: number;
}

interface ProducerEntry {
  epoch: number;
  lastSeq: number;
  /** The last five batches of this epoch (Kafka's ProducerStateEntry.batchMetadata). */
  recent: { firstSeq: number; lastSeq: number; baseOffset: number }[];
}

interface PartitionLog {
  records: LogRecord[];
  nextOffset: number;
  producers: Map<number, ProducerEntry>;
}

type Answer = PartitionErrorSpec & { topic: string; partition: number };

function nextSeq(seq: number): number {
  return seq === 0x7fffffff ? 0 : seq + 1;
}

// ---------------------------------------------------------------------------------------
// One simulation

interface Sent {
  id: number;
  key: string | null;
  explicitPartition: number | null;
  calls: number;
  err: Error | null;
  md: RecordMetadata | null;
}

class StallError extends Error {}

class Simulation {
  readonly clock = new FakeClock();
  readonly startMs = this.clock.now();
  readonly rng: Rng;
  cluster!: FakeCluster;
  producer!: KafkaProducer<string, string>;
  readonly logs: PartitionLog[] = [];
  /** The broker meant to lead each partition, and whether it is down (no leader) right now. */
  readonly intended: number[] = [];
  readonly down: boolean[] = [];
  /** Leader epoch per partition: one more at every change. */
  readonly leaderEpoch: number[] = [];
  /** What metadata shows per partition (it lags behind the real leader). */
  readonly metaLeader: number[] = [];
  private topicId = '';
  private topicInMetadata = false;
  readonly sent: Sent[] = [];
  private readonly releases: { atMs: number; seq: number; fire: () => void }[] = [];
  private releaseSeq = 0;
  private readonly traceLines: string[] = [];
  private initAnswers = 0;
  /** When each batch (partition, producer, epoch, sequence) reached a broker: a retry storm shows as many in a short while. */
  private readonly attempts = new Map<string, number[]>();
  storm: string | null = null;
  /** Per batch ('p0 e0 s8+13'): the broker's last answer to it, and how many times it came. */
  private readonly lastAnswer = new Map<string, { result: string; count: number }>();
  flushedAtMs: number | null = null;
  /** Partitions where the broker took a producer's first batch at a sequence other than 0. */
  readonly holes = new Set<number>();
  stats = { produce: 0, appended: 0, duplicates: 0, outOfOrder: 0, freshRefusals: 0, faults: 0, drops: 0, epochBumps: 0 };

  constructor(readonly sc: Scenario) {
    this.rng = new Rng(sc.seed * 104729 + 17);
    for (let p = 0; p < PARTITIONS; p++) this.logs.push({ records: [], nextOffset: 0, producers: new Map() });
  }

  /** The broker that really leads the partition now, or -1. */
  leaderOf(p: number): number {
    return this.down[p] ? -1 : this.intended[p];
  }

  get elapsed(): number {
    return this.clock.now() - this.startMs;
  }

  trace(line: string): void {
    this.traceLines.push(`${String(this.elapsed).padStart(7)} ${line}`);
    if (this.traceLines.length > 20_000) this.traceLines.splice(200, 1000);
  }

  /** The start of the trace and its end (where a stall shows). */
  traceExcerpt(head = 120, tail = 30): string {
    const l = this.traceLines;
    if (l.length <= head + tail) return l.join('\n');
    return [...l.slice(0, head), `        ... ${l.length - head - tail} lines ...`, ...l.slice(-tail)].join('\n');
  }

  /** Runs `fire` when virtual time reaches `atMs` (relative to the start). */
  at(atMs: number, fire: () => void): void {
    this.releases.push({ atMs: this.startMs + atMs, seq: this.releaseSeq++, fire });
  }

  private virtualDelay(ms: number): Promise<void> {
    return new Promise((resolve) => this.at(this.elapsed + ms, resolve));
  }

  private get faulty(): boolean {
    return this.elapsed < this.sc.faultsEndMs;
  }

  async start(): Promise<void> {
    const sc = this.sc;
    this.cluster = await FakeCluster.start({ brokers: sc.brokers, duplicateMode: 'original-offset' });
    for (let p = 0; p < PARTITIONS; p++) {
      this.intended.push(p % sc.brokers);
      this.down.push(false);
      this.leaderEpoch.push(0);
      this.metaLeader.push(sc.metaLeaderMs[p] > 0 ? -1 : p % sc.brokers);
    }
    // The fake cluster's topic is what Metadata answers: it shows metaLeader, or no topic at all.
    const applyMetadata = () => {
      if (!this.topicInMetadata) return;
      if (!this.cluster.topics.has(TOPIC)) {
        this.cluster.createTopic(TOPIC, { partitions: PARTITIONS, leaders: this.metaLeader.slice(), ...(this.topicId ? { topicId: this.topicId } : {}) });
        this.topicId = this.cluster.topics.get(TOPIC)!.topicId;
      }
      const t = this.cluster.topics.get(TOPIC)!;
      for (let p = 0; p < PARTITIONS; p++) {
        t.partitions[p].leader = this.metaLeader[p];
        t.partitions[p].leaderEpoch = this.leaderEpoch[p];
      }
    };
    // Metadata learns the current leader (and its epoch).
    const publish = (p: number) => {
      this.metaLeader[p] = this.leaderOf(p);
      applyMetadata();
      this.trace(`metadata: p${p} leader ${this.metaLeader[p]} epoch ${this.leaderEpoch[p]}`);
    };
    const createTopic = () => {
      this.topicInMetadata = true;
      applyMetadata();
      this.trace(`topic visible in metadata; leaders ${JSON.stringify(this.metaLeader)}`);
    };
    if (sc.topicVisibleMs === 0) createTopic();
    else this.at(sc.topicVisibleMs, createTopic);
    for (let p = 0; p < PARTITIONS; p++) {
      if (sc.metaLeaderMs[p] > 0) {
        this.at(Math.max(sc.metaLeaderMs[p], sc.topicVisibleMs), () => publish(p));
      }
    }
    for (const m of sc.moves) {
      this.at(Math.max(m.atMs, sc.topicVisibleMs), () => {
        this.intended[m.partition] = m.to;
        this.leaderEpoch[m.partition]++;
        this.trace(`leader of p${m.partition} moves to ${m.to}${this.down[m.partition] ? ' (down now)' : ''}`);
        this.at(this.elapsed + m.metaLagMs, () => publish(m.partition));
      });
    }
    for (const f of sc.flaps) {
      this.at(Math.max(f.atMs, sc.topicVisibleMs), () => {
        if (f.topicMissing) {
          // Metadata answers UNKNOWN_TOPIC_OR_PARTITION for a while (so does Produce, from the fake broker).
          this.topicInMetadata = false;
          this.cluster.deleteTopic(TOPIC);
          this.trace(`topic missing from metadata for ${f.durationMs} ms`);
          this.at(this.elapsed + f.durationMs, () => createTopic());
          return;
        }
        this.down[f.partition] = true;
        this.leaderEpoch[f.partition]++;
        this.trace(`p${f.partition} has no leader for ${f.durationMs} ms`);
        this.at(this.elapsed + f.metaLagMs, () => publish(f.partition));
        this.at(this.elapsed + f.durationMs, () => {
          this.down[f.partition] = false;
          this.leaderEpoch[f.partition]++;
          this.trace(`p${f.partition} leader ${this.leaderOf(f.partition)} again`);
          this.at(this.elapsed + f.metaLagMs, () => publish(f.partition));
        });
      });
    }
    for (const b of this.cluster.brokers) this.hook(b);

    const random = new Rng(sc.seed * 31 + 5);
    const options: ProducerOptions<string, string> = {
      bootstrapServers: this.cluster.bootstrap,
      acks: -1,
      enableIdempotence: true,
      maxInFlightRequestsPerConnection: 5,
      lingerMs: 5,
      batchSize: 2048,
      compressionType: 'gzip',
      ...(sc.profile === 'expiry' ? { deliveryTimeoutMs: sc.deliveryTimeoutMs, requestTimeoutMs: REQUEST_TIMEOUT_SHORT_MS } : {}),
    };
    this.producer = new KafkaProducer<string, string>(options, { clock: this.clock, random: random.next, jitter: random.next });
    const producer = this.producer;
    producer.on('producerId', (e) => this.trace(`producerId ${JSON.stringify(e)}`));
    producer.on('epochBump', (e) => {
      this.stats.epochBumps++;
      this.trace(`epochBump ${JSON.stringify(e)}`);
    });
    producer.on('retry', (e) => this.trace(`retry ${JSON.stringify(e)}`));
    producer.on('batchError', (e: { topic: string; partition: number; records: number; error: Error }) =>
      this.trace(`batchError p${e.partition} records=${e.records} ${e.error.name}: ${e.error.message}`),
    );
  }

  // --- broker side ---

  private hook(broker: FakeBroker): void {
    const sc = this.sc;
    broker.onRequest((ctx) => {
      if (ctx.apiKey !== 3 && ctx.apiKey !== 22) return undefined; // Metadata and InitProducerId only
      if (ctx.apiKey === 3) this.trace(`node ${broker.nodeId}: Metadata (${this.topicInMetadata ? `leaders ${JSON.stringify(this.metaLeader)} epochs ${JSON.stringify(this.leaderEpoch)}` : 'no topic'})`);
      if (this.faulty && this.rng.chance(sc.pMetadataDelay)) {
        const ms = this.rng.int(1, sc.maxDelayMs);
        this.trace(`node ${broker.nodeId}: ${ctx.api} answered after ${ms} ms`);
        return { until: this.virtualDelay(ms) };
      }
      if (this.faulty && this.rng.chance(sc.pDropBefore)) {
        this.stats.drops++;
        this.trace(`node ${broker.nodeId}: connection dropped at ${ctx.api}`);
        return { dropConnection: true };
      }
      return { until: this.virtualDelay(NETWORK_MS) };
    });
    broker.onInitProducerId(() => {
      if (this.initAnswers++ < sc.initFailures) return { errorCode: COORDINATOR_NOT_AVAILABLE };
      return undefined;
    });
    broker.onProduce((req, ctx) => {
      this.stats.produce++;
      this.countAttempts(broker.nodeId, req);
      const id = `node ${broker.nodeId} #${ctx.correlationId}`;
      if (this.faulty && this.rng.chance(sc.pDropBefore)) {
        this.stats.drops++;
        if (this.rng.chance(sc.pZombie)) {
          // The client sees the connection go; the broker still handles the request later.
          const ms = this.rng.int(0, sc.maxDelayMs);
          this.trace(`${id}: connection dropped; the request is still processed in ${ms} ms`);
          this.at(this.elapsed + ms, () => this.processProduce(broker.nodeId, `${id} (zombie)`, req, [], true));
        } else this.trace(`${id}: connection dropped before the request was processed`);
        return { dropConnection: true };
      }
      // The answers are filled in when the request is processed (after its queue delay); the
      // fake broker reads them when it answers (after the response delay).
      const errors: Answer[] = [];
      const queueDelay = this.faulty && this.rng.chance(sc.pDelay) ? this.rng.int(1, sc.maxDelayMs) : 0;
      // Every answer takes at least 1 ms of virtual time (the network): a loop of requests that
      // nothing slows down still lets time, and the timers that may end it, move on.
      const responseDelay = this.faulty && this.rng.chance(sc.pDelay) ? this.rng.int(1, sc.maxDelayMs) : NETWORK_MS;
      const dropAfterAppend = this.faulty && this.rng.chance(sc.pDropAfterAppend);
      if (dropAfterAppend) this.stats.drops++;
      const process = () => this.processProduce(broker.nodeId, id, req, errors, dropAfterAppend);
      const throttleTimeMs = this.faulty && this.rng.chance(sc.pThrottle) ? this.rng.int(1, 2000) : 0;
      if (queueDelay === 0 && responseDelay === 0) {
        process();
        return { errors, dropAfterAppend, throttleTimeMs };
      }
      const until = (async () => {
        if (queueDelay > 0) await this.virtualDelay(queueDelay);
        process();
        if (responseDelay > 0) await this.virtualDelay(responseDelay);
      })();
      return { errors, dropAfterAppend, until, throttleTimeMs };
    });
  }

  /** Flags a batch that reaches the brokers many times within a short while (retries without backoff). */
  private countAttempts(nodeId: number, req: ProduceRequestBody): void {
    for (const t of req.topics) {
      for (const p of t.partitions) {
        let b0: { producerId: number; producerEpoch: number; baseSequence: number } | undefined;
        try {
          b0 = p.batches[0];
        } catch {
          continue;
        }
        if (!b0) continue;
        const key = `p${p.index} e${b0.producerEpoch} s${b0.baseSequence}`;
        const times = this.attempts.get(key) ?? [];
        times.push(this.elapsed);
        this.attempts.set(key, times);
        const recent = times.filter((x) => x > this.elapsed - STORM_WINDOW_MS).length;
        if (recent >= STORM_ATTEMPTS && !this.storm) {
          this.storm = `retry storm: batch ${key} sent ${recent} times within ${STORM_WINDOW_MS} ms (now to node ${nodeId}, at ${this.elapsed} ms); retries wait retry.backoff.ms (100 ms and up) unless the leader changed`;
          this.trace(this.storm);
        }
      }
    }
  }

  private processProduce(nodeId: number, id: string, req: ProduceRequestBody, out: Answer[], lost: boolean): void {
    const parts: string[] = [];
    for (const t of req.topics) {
      if (t.name !== TOPIC) continue; // unknown topic id: the fake broker answers for itself
      for (const p of t.partitions) {
        const a = this.answerPartition(nodeId, p.index, p.batches);
        out.push({ topic: t.name, partition: p.index, ...a.spec });
        const seen = this.lastAnswer.get(`p${p.index} ${a.what}`);
        this.lastAnswer.set(`p${p.index} ${a.what}`, { result: a.result, count: (seen?.count ?? 0) + 1 });
        parts.push(`p${p.index}[${a.what}] ${a.result}`);
      }
    }
    this.trace(`${id}: ${parts.join('; ')}${lost ? ' (response lost: connection dropped)' : ''}`);
  }

  private answerPartition(
    nodeId: number,
    partition: number,
    batches: { producerId: number; producerEpoch: number; baseSequence: number; recordsCount: number; crcValid: boolean; sizeInBytes: number; records: { offsetDelta: number; headers: { key: string; value: Buffer | null }[] }[] }[],
  ): { spec: PartitionErrorSpec; what: string; result: string } {
    const b0 = batches[0];
    const what = b0 ? `e${b0.producerEpoch} s${b0.baseSequence}+${b0.recordsCount}` : 'empty';
    const err = (errorCode: number, extra: Partial<PartitionErrorSpec> = {}) => ({ spec: { errorCode, ...extra }, what, result: codeName(errorCode) });
    const leader = this.leaderOf(partition);
    if (leader !== nodeId) {
      const hint = leader >= 0 && this.sc.moves.some((m) => m.partition === partition && m.hint);
      this.stats.faults++;
      return err(ErrorCode.NOT_LEADER_OR_FOLLOWER, hint ? { currentLeader: { leaderId: leader, leaderEpoch: this.leaderEpoch[partition] } } : {});
    }
    if (this.elapsed < this.sc.readyMs[partition]) {
      this.stats.freshRefusals++;
      return err(this.sc.freshErrors[partition] ?? this.rng.pick(FRESH_ERRORS));
    }
    if (batches.length === 0 || batches.some((b) => !b.crcValid)) return err(ErrorCode.CORRUPT_MESSAGE);
    if (batches.some((b) => b.sizeInBytes > this.sc.maxMessageBytes)) return err(ErrorCode.MESSAGE_TOO_LARGE);
    let fault: number | null = null;
    if (this.faulty && this.rng.chance(this.sc.pPartitionError)) {
      this.stats.faults++;
      fault = this.rng.pick([
        ErrorCode.NOT_ENOUGH_REPLICAS,
        ErrorCode.NOT_LEADER_OR_FOLLOWER,
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        ErrorCode.REQUEST_TIMED_OUT,
        NOT_ENOUGH_REPLICAS_AFTER_APPEND,
      ]);
      // These two are answered after the leader appended (acks=all gave up waiting for replicas).
      if (fault !== ErrorCode.REQUEST_TIMED_OUT && fault !== NOT_ENOUGH_REPLICAS_AFTER_APPEND) return err(fault);
    }
    const res = this.append(partition, batches);
    if (res.errorCode !== 0) return err(res.errorCode);
    if (fault !== null) return { spec: { errorCode: fault }, what, result: `${res.note}, answered ${codeName(fault)}` };
    return { spec: { errorCode: 0, baseOffset: res.baseOffset }, what, result: res.note };
  }

  /** Kafka's validation (UnifiedLog.analyzeAndValidateProducerState + ProducerAppendInfo), then the append. */
  private append(
    partition: number,
    batches: { producerId: number; producerEpoch: number; baseSequence: number; recordsCount: number; records: { offsetDelta: number; headers: { key: string; value: Buffer | null }[] }[] }[],
  ): { errorCode: number; baseOffset: number; note: string } {
    const log = this.logs[partition];
    // Validation of every batch first: one partition's batches go in all or none.
    const updated = new Map<number, ProducerEntry>();
    for (const b of batches) {
      if (b.producerId < 0) continue;
      const current = updated.get(b.producerId) ?? log.producers.get(b.producerId);
      const lastSeq = (b.baseSequence + b.recordsCount - 1) % 0x80000000;
      if (current && current.epoch === b.producerEpoch) {
        const dup = current.recent.find((x) => x.firstSeq === b.baseSequence && x.lastSeq === lastSeq);
        if (dup) {
          this.stats.duplicates++;
          return { errorCode: 0, baseOffset: dup.baseOffset, note: `duplicate of offset ${dup.baseOffset}` };
        }
      }
      if (current && b.producerEpoch < current.epoch) return { errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, baseOffset: -1, note: '' };
      if (!current) {
        if (this.sc.profile === 'strict' && b.baseSequence !== 0) {
          this.stats.outOfOrder++;
          return { errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, baseOffset: -1, note: '' };
        }
        // Kafka: no state for this producer (new, or expired): any sequence is accepted.
        if (b.baseSequence !== 0) this.holes.add(partition);
      } else if (current.epoch !== b.producerEpoch) {
        if (b.baseSequence !== 0) {
          this.stats.outOfOrder++;
          return { errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, baseOffset: -1, note: '' };
        }
      } else if (b.baseSequence !== nextSeq(current.lastSeq)) {
        this.stats.outOfOrder++;
        return { errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, baseOffset: -1, note: '' };
      }
      const entry: ProducerEntry =
        current && current.epoch === b.producerEpoch ? { epoch: current.epoch, lastSeq: current.lastSeq, recent: current.recent.slice() } : { epoch: b.producerEpoch, lastSeq: -1, recent: [] };
      entry.lastSeq = lastSeq;
      entry.recent.push({ firstSeq: b.baseSequence, lastSeq, baseOffset: -1 });
      updated.set(b.producerId, entry);
    }
    const baseOffset = log.nextOffset;
    for (const b of batches) {
      const first = log.nextOffset;
      for (const r of b.records) {
        const seqHeader = r.headers.find((h) => h.key === 'seq');
        log.records.push({
          offset: first + r.offsetDelta,
          id: seqHeader?.value ? Number(seqHeader.value.toString()) : -1,
          producerId: b.producerId,
          producerEpoch: b.producerEpoch,
          sequence: b.baseSequence,
        });
      }
      log.nextOffset = first + b.records[b.records.length - 1].offsetDelta + 1;
      this.stats.appended++;
      const e = updated.get(b.producerId);
      if (e) {
        const last = e.recent.find((x) => x.firstSeq === b.baseSequence && x.baseOffset === -1);
        if (last) last.baseOffset = first;
      }
    }
    for (const [pid, e] of updated) {
      while (e.recent.length > 5) e.recent.shift();
      log.producers.set(pid, e);
    }
    return { errorCode: 0, baseOffset, note: `appended at ${baseOffset}` };
  }

  // --- client side ---

  send(id: number): void {
    // The shapes of the conformance matrix test: keyed, null keys, explicit partitions, headers.
    const shape = id % 6;
    const key = shape === 1 ? null : `key-${id % 17}`;
    const value = shape === 2 ? null : JSON.stringify({ id, pad: 'x'.repeat(id % 50) });
    const headers: { key: string; value: Buffer | null }[] = [{ key: 'seq', value: Buffer.from(String(id)) }];
    if (shape === 3) headers.push({ key: 'trace', value: Buffer.from([id & 0xff, 0, 255]) }, { key: 'empty', value: null });
    const partition = shape === 4 ? id % PARTITIONS : null;
    const s: Sent = { id, key, explicitPartition: partition, calls: 0, err: null, md: null };
    this.sent.push(s);
    const record = { topic: TOPIC, key, value, headers, partition: partition ?? undefined } as unknown as ProducerRecord<string, string>;
    this.producer.send(record, (err, md) => {
      s.calls++;
      if (s.calls === 1) {
        s.err = err;
        s.md = err ? null : md;
      }
    });
  }

  /** Whether real I/O has settled: nothing in transit either way, no connection half made, no pass queued. */
  private quiescent(): boolean {
    return this.ioState() === null;
  }

  /** What real I/O still waits for, or null when nothing. */
  private ioState(): string | null {
    const internals = this.producer as unknown as {
      brokers: { nodes: Map<number, { connecting: boolean; conn: { state: string; inFlightCount: number } | null }> };
      sender: { scheduled: boolean };
    };
    if (internals.sender.scheduled) return 'a sender pass is queued';
    let clientConns = 0;
    let clientInFlight = 0;
    for (const [id, s] of internals.brokers.nodes) {
      if (s.connecting) return `client connection to node ${id} is connecting`;
      const c = s.conn;
      if (!c || c.state === 'closed') continue;
      if (c.state !== 'ready') return `client connection to node ${id} is ${c.state}`;
      clientConns++;
      clientInFlight += c.inFlightCount;
    }
    let brokerConns = 0;
    let brokerPending = 0;
    for (const b of this.cluster.brokers) {
      const conns = (b as unknown as { conns: Set<{ closed: boolean; busy: boolean; queue: unknown[] }> }).conns;
      for (const c of conns) {
        if (c.closed) continue;
        brokerConns++;
        brokerPending += c.queue.length + (c.busy ? 1 : 0);
      }
    }
    if (clientConns === brokerConns && clientInFlight === brokerPending) return null;
    return `client: ${clientConns} connection(s), ${clientInFlight} request(s) in flight; brokers: ${brokerConns} connection(s), ${brokerPending} request(s) pending`;
  }

  private async settle(): Promise<void> {
    let calm = 0;
    for (let i = 0; i < 5000; i++) {
      await this.clock.tick(1);
      if (this.storm && !process.env.LIVENESS_ALLOW_STORMS) throw new StallError(`seed ${this.sc.seed}: ${this.storm}`);
      if (this.quiescent()) {
        if (++calm >= 1) return;
      } else calm = 0;
      if (i > 10) await new Promise<void>((resolve) => setTimeout(resolve, 0));
    }
    throw new Error(`seed ${this.sc.seed}: real I/O did not settle at ${this.elapsed} ms: ${this.ioState()}`);
  }

  /** Moves virtual time event by event until `done()` holds or `limitMs` (relative) passes. */
  async runUntil(done: () => boolean, limitMs: number): Promise<void> {
    for (;;) {
      await this.settle();
      if (done()) return;
      const now = this.clock.now();
      const timer = this.clock.nextTimerDelayMs();
      let next = timer === null ? Infinity : now + timer;
      for (const r of this.releases) next = Math.min(next, r.atMs);
      if (!Number.isFinite(next)) throw new StallError(`seed ${this.sc.seed}: stalled at ${this.elapsed} ms: nothing scheduled, nothing in flight, ${this.unsettled()} record(s) unsettled`);
      if (next - this.startMs > limitMs) {
        this.clock.advance(Math.max(0, this.startMs + limitMs - now));
        return;
      }
      this.clock.advance(Math.max(0, next - now));
      const due = this.releases.filter((r) => r.atMs <= this.clock.now()).sort((a, b) => a.atMs - b.atMs || a.seq - b.seq);
      for (const r of due) this.releases.splice(this.releases.indexOf(r), 1);
      for (const r of due) r.fire();
    }
  }

  /** The producer's unfinished batches, and what the broker last said to each. */
  stuck(): string {
    const idem = (this.producer as unknown as { idempotence: { partitions: Map<string, { inFlight: { baseSequence: number; producerEpoch: number; recordCount: number }[] }> } }).idempotence;
    const out: string[] = [];
    for (const [key, ps] of idem.partitions) {
      const p = Number(key.split('\u0000')[1]);
      for (const b of ps.inFlight) {
        const what = `p${p} e${b.producerEpoch} s${b.baseSequence}+${b.recordCount}`;
        const a = this.lastAnswer.get(what);
        const broker = [...this.logs[p].producers].map(([pid, e]) => `producer ${pid} epoch ${e.epoch} last sequence ${e.lastSeq}`).join(', ') || 'no producer state';
        out.push(`${what}: ${a ? `answered ${a.result} (${a.count}x)` : 'never answered'}; broker has ${broker}`);
      }
    }
    return out.length > 0 ? out.join('; ') : 'no batch with a sequence unfinished';
  }

  unsettled(): number {
    return this.sent.filter((s) => s.calls === 0).length;
  }

  /** The producer's view, for a failure message. */
  state(): string {
    const p = this.producer as unknown as {
      accumulator: { topics: Map<string, { deques: { baseSequence: number; producerEpoch: number; recordCount: number; attempts: number; inFlight: boolean }[][] }> };
      idempotence: { producerId: number; producerEpoch: number; state: string; partitions: Map<string, { producerEpoch: number; nextSequence: number; lastAckedSequence: number; inFlight: { baseSequence: number; producerEpoch: number; recordCount: number; inFlight: boolean }[] }>; unresolved: Map<string, number> };
    };
    const lines: string[] = [];
    const idem = p.idempotence;
    lines.push(`producer id ${idem.producerId} epoch ${idem.producerEpoch} state ${idem.state}; unresolved ${JSON.stringify([...idem.unresolved].map(([k, v]) => [k.replace('\u0000', '-'), v]))}`);
    const t = p.accumulator.topics.get(TOPIC);
    for (let i = 0; i < PARTITIONS; i++) {
      const q = t?.deques[i] ?? [];
      const ps = idem.partitions.get(`${TOPIC}\u0000${i}`);
      const b = (x: { baseSequence: number; producerEpoch: number; recordCount: number; inFlight: boolean }) => `e${x.producerEpoch}s${x.baseSequence}+${x.recordCount}${x.inFlight ? '*' : ''}`;
      const brokerState = [...this.logs[i].producers].map(([pid, e]) => `${pid}:e${e.epoch} last ${e.lastSeq}`).join(',');
      lines.push(
        `p${i}: queued [${q.map(b).join(' ')}]; idempotence ${ps ? `e${ps.producerEpoch} next ${ps.nextSequence} acked ${ps.lastAckedSequence} inFlight [${ps.inFlight.map(b).join(' ')}]` : '-'}; broker log ${this.logs[i].records.length} records, producers {${brokerState}}`,
      );
    }
    lines.push(`metrics ${JSON.stringify(this.producer.metrics(), ['waiting-sends', 'records-queued', 'incomplete-batches', 'batches-in-flight', 'requests-in-flight', 'record-retry-total', 'record-error-total'])}`);
    return lines.join('\n');
  }

  async close(): Promise<void> {
    if (this.producer) {
      // close() may be under way already with a longer timeout (the 'close' finish): move
      // virtual time on until it has forced what is left out.
      let closed = false;
      void this.producer.close({ timeoutMs: 0 }).then(
        () => (closed = true),
        () => (closed = true),
      );
      for (let i = 0; i < 10_000 && !closed; i++) {
        this.clock.advance(this.clock.nextTimerDelayMs() ?? 0);
        await this.clock.tick(2);
      }
    }
    // Held broker answers: let them go so the fake broker's connections can close.
    for (const r of this.releases.splice(0)) r.fire();
    if (this.cluster) await this.cluster.close();
  }
}

function codeName(code: number): string {
  const names: Record<number, string> = { 0: 'NONE', [NOT_ENOUGH_REPLICAS_AFTER_APPEND]: 'NOT_ENOUGH_REPLICAS_AFTER_APPEND' };
  for (const [k, v] of Object.entries(ErrorCode)) names[v] = k;
  return names[code] ?? `code ${code}`;
}

// ---------------------------------------------------------------------------------------
// One seed: run, then check

interface Result {
  seed: number;
  profile: Profile;
  ok: boolean;
  problems: string[];
  flushMs: number | null;
  faultsEndMs: number;
  detail: string;
  holes: number[];
}

async function runSeed(seed: number, profile: Profile): Promise<Result> {
  if (process.env.LIVENESS_PROGRESS) process.stderr.write(`[${profile} ${seed}]`);
  const sc = scenario(seed, profile);
  const sim = new Simulation(sc);
  const problems: string[] = [];
  let flushMs: number | null = null;
  try {
    await sim.start();
    let id = 0;
    for (const burst of sc.bursts) {
      if (burst.gapMs > 0) await sim.runUntil(() => false, sim.elapsed + burst.gapMs);
      for (let i = 0; i < burst.count; i++) sim.send(id++);
    }
    let flushed = false;
    const finished = sc.finish === 'close' ? sim.producer.close({ timeoutMs: 60_000 }) : sim.producer.flush();
    void finished.then(() => {
      flushed = true;
      sim.flushedAtMs = sim.elapsed;
      sim.trace(`${sc.finish} resolved`);
    });
    // Up to the bound (LIVENESS_FULL=1: past delivery.timeout.ms, to see what the user would get).
    await sim.runUntil(() => flushed && sim.unsettled() === 0, runLimitMs(sc));
    flushMs = sim.flushedAtMs;
    if (sc.profile === 'expiry' && sc.finish === 'flush' && flushMs !== null) {
      // Whatever expired, the producer must be healthy again: records sent once the faults are
      // over (and every answer they held back has come) go through.
      const quietMs = sc.faultsEndMs + 2 * sc.maxDelayMs + 1_000;
      if (sim.elapsed < quietMs) await sim.runUntil(() => false, quietMs);
      const from = sim.elapsed;
      for (let i = 0; i < LATE_RECORDS; i++) sim.send(id++);
      let again = false;
      void sim.producer.flush().then(() => (again = true));
      await sim.runUntil(() => again && sim.unsettled() === 0, from + 30_000);
      if (!again) problems.push(`flush() of ${LATE_RECORDS} records sent at ${from} ms (after the faults and expiries) not resolved 30 s later; stuck: ${sim.stuck()}`);
    }
    check(sim, problems);
  } catch (err) {
    problems.push(err instanceof StallError ? err.message : `error: ${(err as Error)?.stack ?? err}`);
  }
  const detail = problems.length > 0 ? `${JSON.stringify(sc)}\n--- stats ${JSON.stringify(sim.stats)}\n--- producer state\n${safe(() => sim.state())}\n--- trace\n${sim.traceExcerpt()}` : '';
  await sim.close();
  if (ONLY !== null && problems.length === 0) console.log(`seed ${seed} (${profile}) passed: flush at ${flushMs} ms, faults ended at ${sc.faultsEndMs} ms; ${JSON.stringify(sim.stats)}${sim.storm ? `; ${sim.storm}` : ''}`);
  return { seed, profile, ok: problems.length === 0, problems, flushMs, faultsEndMs: sc.faultsEndMs, detail, holes: [...sim.holes] };
}

function safe(f: () => string): string {
  try {
    return f();
  } catch (err) {
    return `(unavailable: ${(err as Error).message})`;
  }
}

/**
 * Healthy and prompt from faultsEndMs on: retries back off at most 1 s, metadata refreshes
 * 100 ms, reconnects at most 1 s, and answers held back by the faults come within 16 s.
 * 30 s more is generous, and far from delivery.timeout.ms (120 s).
 */
function boundMs(sc: Scenario): number {
  return sc.faultsEndMs + 30_000 + (sc.profile === 'expiry' ? sc.deliveryTimeoutMs : 0);
}

function runLimitMs(sc: Scenario): number {
  return process.env.LIVENESS_FULL ? DELIVERY_TIMEOUT_MS + 10_000 : boundMs(sc) + 1;
}

function check(sim: Simulation, problems: string[]): void {
  const sc = sim.sc;
  const flushMs = sim.flushedAtMs;
  const bound = boundMs(sc);
  if (flushMs === null) problems.push(`${sc.finish}() not resolved after ${runLimitMs(sc)} ms of virtual time (faults ended at ${sc.faultsEndMs} ms); stuck: ${sim.stuck()}`);
  else if (flushMs > bound) problems.push(`${sc.finish}() resolved only at ${flushMs} ms (faults ended at ${sc.faultsEndMs} ms; bound ${bound} ms)`);
  const twice = sim.sent.filter((s) => s.calls > 1).map((s) => s.id);
  if (twice.length > 0) problems.push(`records with more than one outcome: ${twice.join(',')}`);
  const missing = sim.sent.filter((s) => s.calls === 0).map((s) => s.id);
  if (missing.length > 0) problems.push(`records without an outcome: ${missing.length} (${missing.slice(0, 10).join(',')}...)`);
  // With a short delivery.timeout.ms, records sent during the faults may time out (only that).
  const allowedToFail = (s: Sent) => sc.profile === 'expiry' && s.id < 100 && s.err!.name === 'TimeoutError';
  const failed = sim.sent.filter((s) => s.err && !allowedToFail(s));
  if (failed.length > 0) {
    const kinds = new Map<string, number>();
    for (const s of failed) kinds.set(`${s.err!.name}: ${s.err!.message.replace(/\d+ ms/g, 'N ms').slice(0, 140)}`, (kinds.get(`${s.err!.name}: ${s.err!.message.replace(/\d+ ms/g, 'N ms').slice(0, 140)}`) ?? 0) + 1);
    problems.push(`records failed: ${failed.length}: ${[...kinds].map(([k, n]) => `${n}x ${k}`).join(' | ')}`);
  }
  // The log: every record exactly once, in the partition and at the offset it was told.
  const where = new Map<number, { partition: number; offset: number }[]>();
  for (let p = 0; p < PARTITIONS; p++) {
    for (const r of sim.logs[p].records) {
      const list = where.get(r.id) ?? [];
      list.push({ partition: p, offset: r.offset });
      where.set(r.id, list);
    }
  }
  const dupIds = [...where].filter(([, l]) => l.length > 1).map(([id]) => id);
  if (dupIds.length > 0) problems.push(`records written more than once: ${dupIds.slice(0, 10).join(',')}`);
  let wrong = 0;
  for (const s of sim.sent) {
    if (!s.md) continue;
    const at = where.get(s.id);
    if (!at || at.length === 0) {
      wrong++;
      if (wrong <= 5) problems.push(`record ${s.id} succeeded (p${s.md.partition} @${s.md.offset}) but is not in the log`);
      continue;
    }
    if (at[0].partition !== s.md.partition || BigInt(at[0].offset) !== s.md.offset) {
      wrong++;
      if (wrong <= 5) problems.push(`record ${s.id}: reported p${s.md.partition} @${s.md.offset}, log has p${at[0].partition} @${at[0].offset}`);
    }
    if (s.explicitPartition !== null && s.md.partition !== s.explicitPartition) problems.push(`record ${s.id} went to p${s.md.partition}, not its explicit p${s.explicitPartition}`);
  }
  // Per-partition order follows send order.
  for (let p = 0; p < PARTITIONS; p++) {
    const ids = sim.logs[p].records.map((r) => r.id);
    const sorted = [...ids].sort((a, b) => a - b);
    if (ids.join() !== sorted.join()) problems.push(`p${p} log out of send order: ${ids.join(',')}`);
  }
}

// ---------------------------------------------------------------------------------------
// The runs

const SEEDS = Number(process.env.LIVENESS_SEEDS ?? 200);
const ONLY = process.env.LIVENESS_SEED !== undefined ? Number(process.env.LIVENESS_SEED) : null;
const seeds = ONLY !== null ? [ONLY] : Array.from({ length: SEEDS }, (_, i) => i + 1);
/** The strict and expiry profiles run half as many seeds (the file stays well under 30 s). */
const fewer = ONLY !== null ? [ONLY] : seeds.slice(0, Math.ceil(SEEDS / 2));

/** Flush latency after the faults ended, for LIVENESS_STATS=1. */
function latency(results: Result[]): string {
  const after = results.filter((r) => r.flushMs !== null).map((r) => Math.max(0, r.flushMs! - r.faultsEndMs)).sort((a, b) => a - b);
  const q = (f: number) => after[Math.min(after.length - 1, Math.floor(f * after.length))];
  return `flush after the faults ended: median ${q(0.5)} ms, p90 ${q(0.9)} ms, max ${after[after.length - 1]} ms (${after.length} seeds)`;
}

function summarize(results: Result[]): string {
  const bad = results.filter((r) => !r.ok);
  const withHole = bad.filter((r) => r.holes.length > 0).length;
  const passedWithHole = results.filter((r) => r.ok && r.holes.length > 0).length;
  const lines = [
    `failed seeds where the broker took a first batch at a sequence > 0 (an earlier one was refused): ${withHole}/${bad.length}; passed seeds with that: ${passedWithHole}`,
    ...bad.slice(0, 20).map((r) => `seed ${r.seed} (${r.profile}, faults end ${r.faultsEndMs} ms, flush ${r.flushMs ?? 'never'} ms${r.holes.length ? `, first batch at seq > 0 on p${r.holes.join(',p')}` : ''}): ${r.problems.join('; ')}`),
  ];
  if (bad.length > 20) lines.push(`... and ${bad.length - 20} more`);
  if (process.env.LIVENESS_TRACE || ONLY !== null) for (const r of bad.slice(0, 3)) lines.push(`\n===== seed ${r.seed} =====\n${r.detail}`);
  return `${bad.length}/${results.length} seed(s) failed\n${lines.join('\n')}`;
}

describe('liveness against a freshly created topic (seeded, virtual time)', () => {
  const runProfile = async (profile: Profile, list: number[]) => {
    const results: Result[] = [];
    for (const seed of list) results.push(await runSeed(seed, profile));
    if (process.env.LIVENESS_STATS) console.log(`profile ${profile}: ${latency(results)}`);
    if (results.some((r) => !r.ok)) throw new Error(summarize(results));
  };
  const timeout = (n: number) => Math.max(60_000, n * 500);

  // Kafka's own rules: a partition with no state for the producer accepts any first sequence.
  test(`profile kafka: ${seeds.length} seeds x 100 records: all delivered once, in order, long before delivery.timeout.ms`, () => runProfile('kafka', seeds), timeout(seeds.length));

  // The same faults, with a broker that also wants sequence 0 from a producer it does not know
  // (which takes Kafka's hole away): what remains is the sender's own liveness.
  test(`profile strict: ${fewer.length} seeds x 100 records`, () => runProfile('strict', fewer), timeout(fewer.length));

  // Batches expire during the faults: outcomes stay exactly once and in order, and the producer recovers.
  test(`profile expiry: ${fewer.length} seeds x 100 + ${LATE_RECORDS} records, delivery.timeout.ms 5-15 s`, () => runProfile('expiry', fewer), timeout(fewer.length));
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
