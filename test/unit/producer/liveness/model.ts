// The liveness simulation shared by liveness.test.ts and the files next to this one: the
// scenarios each seed draws, the broker model (Kafka's checks, answered through the fake
// broker's hooks), the virtual-time driver, and the checks every seed must pass. What the
// profiles mean and why each check holds is in the header of liveness.test.ts.
import { mulberry32 } from '../../../support/seeded';
import type { ProducerOptions } from '../../../../src/producer/config';
import { KafkaProducer } from '../../../../src/producer/kafka-producer';
import { partitionForKey } from '../../../../src/producer/partitioners/murmur2';
import type { Partitioner } from '../../../../src/producer/partitioners/partitioner';
import type { ProducerRecord, RecordMetadata } from '../../../../src/producer/record';
import type { DecodedBatch } from '../../../../src/protocol/records/record-batch-reader';
import { ErrorCode, FakeBroker, FakeCluster, PartitionErrorSpec, ProduceRequestBody, RequestContext } from '../../../support/fake-broker';
import { FakeClock } from '../../../support/fake-clock';

export const TOPIC = 'fresh';
/** The topic with one partition that the 'topic-errors' profile sends to partition 5 of. */
export const NARROW = 'narrow';
const NARROW_BAD_PARTITION = 5;
export const PARTITIONS = 4;
export const DELIVERY_TIMEOUT_MS = 120_000;
/** request.timeout.ms of the expiry profile (real time in Connection: no request is held that long). */
const REQUEST_TIMEOUT_SHORT_MS = 5_000;
/** Records sent after the first flush in the expiry profile (ids from 100). */
export const LATE_RECORDS = 20;
/** Virtual time every broker answer takes at least. */
const NETWORK_MS = 1;
/** A batch sent this many times within this window is retried without backoff. */
const STORM_ATTEMPTS = 20;
const STORM_WINDOW_MS = 500;
/** retry.backoff.ms (the producer's default, which every profile keeps). */
const RETRY_BACKOFF_MS = 100;
/**
 * The Metadata request bound (see the header of liveness.test.ts): in any window of
 * METADATA_WINDOW_MS, at most floor(window / (0.8 x retry.backoff.ms)) + 1 requests (Java's
 * Metadata.timeToAllowUpdate spaces refreshes by at least the jittered first backoff, 80 ms),
 * plus NEW_TOPIC_ALLOWANCE (a topic first used, or used again after metadata.max.idle.ms, is
 * fetched without backoff), plus one per connection dropped in the last two windows.
 */
export const METADATA_WINDOW_MS = 1_000;
const NEW_TOPIC_ALLOWANCE = 2;
export const METADATA_BOUND = Math.floor(METADATA_WINDOW_MS / (0.8 * RETRY_BACKOFF_MS)) + 1 + NEW_TOPIC_ALLOWANCE;
/** A record the broker refuses for good carries this header ('refusals' profile). */
const INVALID_HEADER = 'invalid';
/** The create time of a record with a timestamp the topic refuses (1970). */
const ANCIENT_TIMESTAMP_MS = 1;
/** The topic's max.message.bytes when a record above it is sent ('refusals' profile). */
const MAX_MESSAGE_BYTES_WITH_LARGE = 2_500;

// ---------------------------------------------------------------------------------------
// Seeded randomness

export { mulberry32 };

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
  /** `n` distinct integers of [lo, hi]. */
  distinct(n: number, lo: number, hi: number, exclude: ReadonlySet<number> = new Set()): number[] {
    const out = new Set<number>();
    while (out.size < n) {
      const x = this.int(lo, hi);
      if (!exclude.has(x)) out.add(x);
    }
    return [...out].sort((a, b) => a - b);
  }
}

// ---------------------------------------------------------------------------------------
// Scenario: everything a seed decides up front

export const PROFILES = ['kafka', 'strict', 'expiry', 'refusals', 'idle', 'topic-errors', 'partitioner', 'refresh'] as const;
export type Profile = (typeof PROFILES)[number];

export type PoisonKind = 'invalid-record' | 'invalid-timestamp' | 'too-large';

export interface Scenario {
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
  // --- the profiles after the first three ---
  batchSize: number;
  /** Records (by send index) the broker refuses for good, and why ('refusals'). */
  poison: Record<number, PoisonKind>;
  /** metadata.max.idle.ms ('idle'), metadata.max.age.ms ('refresh'), max.block.ms ('topic-errors'), or the defaults. */
  metadataMaxIdleMs: number | null;
  metadataMaxAgeMs: number | null;
  maxBlockMs: number | null;
  /** Long outages ('idle'): every leader of the topic gone, or no broker reachable at all. */
  outages: { atMs: number; durationMs: number; kind: 'leaderless' | 'unreachable'; partitions: number[]; metaLagMs: number }[];
  /** Topic-level errors in Metadata for a while: 29 TOPIC_AUTHORIZATION_FAILED (Produce refused too), 5 LEADER_NOT_AVAILABLE (Produce served). */
  topicErrors: { atMs: number; durationMs: number; code: number }[];
  /** Records sent to partition 5 of the 1-partition topic, and to its partition 0 ('topic-errors'). */
  narrowBad: number[];
  narrowGood: number[];
  /** Keys the custom partitioner throws for ('partitioner'; empty: the built-in partitioner). */
  throwingKeys: string[];
}

const FRESH_ERRORS = [ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.LEADER_NOT_AVAILABLE, ErrorCode.NOT_ENOUGH_REPLICAS];

export function scenario(seed: number, profile: Profile): Scenario {
  const r = new Rng(seed * 7919 + PROFILES.indexOf(profile) + 1);
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
  const sc: Scenario = {
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
    batchSize: 2048,
    poison: {},
    metadataMaxIdleMs: null,
    metadataMaxAgeMs: null,
    maxBlockMs: null,
    outages: [],
    topicErrors: [],
    narrowBad: [],
    narrowGood: [],
    throwingKeys: [],
  };
  // The first three profiles draw exactly what they always drew; the others add their own
  // features from a second source, so a seed's base faults stay comparable across profiles.
  const x = new Rng(seed * 6007 + PROFILES.indexOf(profile) + 11);
  const lastEnd = (windows: { atMs: number; durationMs: number }[]) => Math.max(0, ...windows.map((w) => w.atMs + w.durationMs));
  switch (profile) {
    case 'refusals': {
      // Small batches and held answers: several batches of each partition in flight at once,
      // so one partition's refusal bumps the epoch while another's batches are in flight.
      sc.batchSize = x.pick([256, 512, 1024]);
      sc.pDelay = x.pick([0.3, 0.6]);
      sc.maxDelayMs = x.pick([50, 200, 1000]);
      const ids = x.distinct(x.int(4, 12), 0, 99);
      for (const id of ids) sc.poison[id] = x.pick(['invalid-record', 'invalid-record', 'invalid-timestamp', 'too-large'] as const);
      if (ids.some((id) => sc.poison[id] === 'too-large') && sc.maxMessageBytes === Infinity) sc.maxMessageBytes = MAX_MESSAGE_BYTES_WITH_LARGE;
      break;
    }
    case 'idle': {
      sc.metadataMaxIdleMs = x.int(5_000, 8_000);
      // Sends end early; the outage outlasts metadata.max.idle.ms after the last of them.
      for (let i = 1; i < sc.bursts.length; i++) sc.bursts[i].gapMs = x.int(0, 500);
      const kind = x.pick(['leaderless', 'leaderless', 'unreachable'] as const);
      const all = x.chance(0.6);
      const partitions = all ? [0, 1, 2, 3] : x.distinct(x.int(1, 3), 0, PARTITIONS - 1);
      sc.outages.push({ atMs: x.int(0, 2_500), durationMs: sc.metadataMaxIdleMs + x.int(1_000, 10_000), kind, partitions, metaLagMs: x.int(0, 500) });
      sc.faultsEndMs = Math.max(sc.faultsEndMs, lastEnd(sc.outages));
      break;
    }
    case 'topic-errors': {
      // Answers stay well within max.block.ms, so only the partition beyond the count (and
      // authorization) can make a send wait that long.
      sc.maxBlockMs = x.int(3_000, 6_000);
      sc.maxDelayMs = x.pick([50, 200, 500]);
      // Authorization goes while batches wait (fresh partitions, retries) and while sends come.
      // Sends also come after a window, before any newer Metadata answer.
      const n = x.int(1, 3);
      for (let i = 0; i < n; i++) sc.topicErrors.push({ atMs: x.int(0, 4_000), durationMs: x.int(300, 3_000), code: ErrorCode.TOPIC_AUTHORIZATION_FAILED });
      // Last: a send that waits max.block.ms holds every later send behind it (send order, as
      // one Java thread blocked in send()), and only what is sent after it would then wait.
      const bad = x.int(1, 3);
      sc.narrowBad = Array.from({ length: bad }, (_, i) => 100 - bad + i);
      sc.narrowGood = x.distinct(x.int(2, 6), 0, 99, new Set(sc.narrowBad));
      sc.faultsEndMs = Math.max(sc.faultsEndMs, lastEnd(sc.topicErrors));
      break;
    }
    case 'partitioner': {
      sc.throwingKeys = x.distinct(x.int(1, 3), 0, 16).map((k) => `key-${k}`);
      // Often the first sends wait for metadata, so the partitioner runs later, from the I/O side.
      if (x.chance(0.7)) sc.topicVisibleMs = x.int(1, 1_500);
      break;
    }
    case 'refresh': {
      // Frequent refreshes while Produce answers are held: some land between a request and its answer.
      sc.metadataMaxAgeMs = x.int(200, 2_000);
      sc.pDelay = x.pick([0.3, 0.6]);
      sc.maxDelayMs = x.pick([200, 1_000, 3_000]);
      const n = x.int(1, 4);
      for (let i = 0; i < n; i++) sc.topicErrors.push({ atMs: x.int(0, sc.faultsEndMs), durationMs: x.int(50, 2_000), code: ErrorCode.LEADER_NOT_AVAILABLE });
      sc.faultsEndMs = Math.max(sc.faultsEndMs, lastEnd(sc.topicErrors));
      break;
    }
    default:
      break;
  }
  return sc;
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

/** A Produce answer on its way to the producer: once written on a connection still open, the producer has it. */
interface Delivery {
  brokerId: number;
  connectionId: number;
  written: boolean;
  atMs: number;
}

/** A record's success answer: which answer, and what it said. */
interface AckNote {
  delivery: Delivery;
  what: string;
}

function nextSeq(seq: number): number {
  return seq === 0x7fffffff ? 0 : seq + 1;
}

function recordIdOf(r: { headers: { key: string; value: Buffer | null }[] }): number {
  const h = r.headers.find((x) => x.key === 'seq');
  return h?.value ? Number(h.value.toString()) : -1;
}

// ---------------------------------------------------------------------------------------
// One simulation

export interface Sent {
  id: number;
  topic: string;
  key: string | null;
  explicitPartition: number | null;
  poison: PoisonKind | null;
  calls: number;
  err: Error | null;
  md: RecordMetadata | null;
  /** send() threw (its outcome, in place of a callback). */
  thrown: boolean;
  sentAtMs: number;
  settledAtMs: number | null;
}

/** What the test's partitioner throws: its message names the seed and the record. */
export class PartitionerRefusal extends Error {}

class StallError extends Error {}

export class Simulation {
  readonly clock = new FakeClock();
  readonly startMs = this.clock.now();
  readonly rng: Rng;
  cluster!: FakeCluster;
  producer!: KafkaProducer<string, string>;
  readonly logs: PartitionLog[] = [];
  /** The broker meant to lead each partition, and how many outages keep it without a leader now. */
  readonly intended: number[] = [];
  readonly downCount: number[] = [];
  /** Leader epoch per partition: one more at every change. */
  readonly leaderEpoch: number[] = [];
  /** What metadata shows per partition (it lags behind the real leader). */
  readonly metaLeader: number[] = [];
  private topicId = '';
  private topicInMetadata = false;
  /** Topic-level errors in force (Metadata answers the first; 29 also refuses Produce). */
  private readonly topicErrorsNow: number[] = [];
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
  /** Records that were in a batch the broker refused for good: the producer may fail them. */
  readonly refusedIds = new Set<number>();
  /** Per record: the success answer that carried it (the last one). */
  private readonly acked = new Map<number, AckNote>();
  /** Broken invariants that do not stop the run (a batch sent again after its success reached the producer). */
  readonly violations: string[] = [];
  /** Exceptions thrown out of the producer's timers (in Node: uncaught exceptions). */
  readonly uncaught: string[] = [];
  /** Virtual times of Metadata requests and of connections the model dropped. */
  private readonly metadataTimes: number[] = [];
  private readonly dropTimes: number[] = [];
  maxMetadataInWindow = 0;
  metadataStorm: string | null = null;
  /** Requests per API, as the brokers saw them. */
  readonly requests: Record<string, number> = {};
  stats = { produce: 0, appended: 0, duplicates: 0, outOfOrder: 0, freshRefusals: 0, faults: 0, drops: 0, epochBumps: 0, refusals: 0 };

  constructor(readonly sc: Scenario) {
    this.rng = new Rng(sc.seed * 104729 + 17);
    for (let p = 0; p < PARTITIONS; p++) this.logs.push({ records: [], nextOffset: 0, producers: new Map() });
  }

  /** The broker that really leads the partition now, or -1. */
  leaderOf(p: number): number {
    return this.downCount[p] > 0 ? -1 : this.intended[p];
  }

  get elapsed(): number {
    return this.clock.now() - this.startMs;
  }

  trace(line: string): void {
    this.traceLines.push(`${String(this.elapsed).padStart(7)} ${line}`);
    if (this.traceLines.length > 20_000) this.traceLines.splice(200, 1000);
  }

  /** The start of the trace and its end (where a stall shows). */
  traceExcerpt(head = 120, tail = 40): string {
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

  /** The topic-level error Metadata answers now (0: none). */
  private topicError(): number {
    for (const code of [ErrorCode.TOPIC_AUTHORIZATION_FAILED, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.LEADER_NOT_AVAILABLE]) if (this.topicErrorsNow.includes(code)) return code;
    return 0;
  }

  private noteDrop(n = 1): void {
    this.stats.drops += n;
    for (let i = 0; i < n; i++) this.dropTimes.push(this.elapsed);
  }

  async start(): Promise<void> {
    const sc = this.sc;
    this.cluster = await FakeCluster.start({ brokers: sc.brokers, duplicateMode: 'original-offset' });
    if (sc.narrowBad.length + sc.narrowGood.length > 0) this.cluster.createTopic(NARROW, { partitions: 1, leaders: [0] });
    for (let p = 0; p < PARTITIONS; p++) {
      this.intended.push(p % sc.brokers);
      this.downCount.push(0);
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
      t.metadataErrorCode = this.topicError();
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
    // A partition without a leader for a while (metadata learns it after metaLagMs).
    const leaderless = (p: number, durationMs: number, metaLagMs: number) => {
      this.downCount[p]++;
      this.leaderEpoch[p]++;
      this.at(this.elapsed + metaLagMs, () => publish(p));
      this.at(this.elapsed + durationMs, () => {
        this.downCount[p]--;
        this.leaderEpoch[p]++;
        this.trace(`p${p} leader ${this.leaderOf(p)} again`);
        this.at(this.elapsed + metaLagMs, () => publish(p));
      });
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
        this.trace(`leader of p${m.partition} moves to ${m.to}${this.downCount[m.partition] > 0 ? ' (down now)' : ''}`);
        this.at(this.elapsed + m.metaLagMs, () => publish(m.partition));
      });
    }
    for (const f of sc.flaps) {
      this.at(Math.max(f.atMs, sc.topicVisibleMs), () => {
        if (f.topicMissing) {
          // The brokers do not know the topic for a while: Metadata answers
          // UNKNOWN_TOPIC_OR_PARTITION, Produce UNKNOWN_TOPIC_ID (v13) or UNKNOWN_TOPIC_OR_PARTITION,
          // decided when a request is processed (the model answers for the topic, always).
          this.topicErrorsNow.push(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          applyMetadata();
          this.trace(`topic missing from metadata for ${f.durationMs} ms`);
          this.at(this.elapsed + f.durationMs, () => {
            this.topicErrorsNow.splice(this.topicErrorsNow.indexOf(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION), 1);
            applyMetadata();
            this.trace('topic known again');
          });
          return;
        }
        this.trace(`p${f.partition} has no leader for ${f.durationMs} ms`);
        leaderless(f.partition, f.durationMs, f.metaLagMs);
      });
    }
    for (const o of sc.outages) {
      this.at(Math.max(o.atMs, sc.topicVisibleMs), () => {
        if (o.kind === 'leaderless') {
          this.trace(`outage: p${o.partitions.join(',p')} without a leader for ${o.durationMs} ms`);
          for (const p of o.partitions) leaderless(p, o.durationMs, o.metaLagMs);
          return;
        }
        this.trace(`outage: no broker reachable for ${o.durationMs} ms`);
        for (const b of this.cluster.brokers) {
          this.noteDrop(b.connectionCount);
          b.unreachable = true;
          b.dropConnections();
        }
        this.at(this.elapsed + o.durationMs, () => {
          for (const b of this.cluster.brokers) b.unreachable = false;
          this.trace('brokers reachable again');
        });
      });
    }
    for (const e of sc.topicErrors) {
      this.at(e.atMs, () => {
        this.topicErrorsNow.push(e.code);
        applyMetadata();
        this.trace(`metadata answers ${codeName(e.code)} for the topic for ${e.durationMs} ms${e.code === ErrorCode.TOPIC_AUTHORIZATION_FAILED ? ' (Produce refused too)' : ''}`);
        this.at(this.elapsed + e.durationMs, () => {
          this.topicErrorsNow.splice(this.topicErrorsNow.indexOf(e.code), 1);
          applyMetadata();
          this.trace(`topic-level ${codeName(e.code)} over`);
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
      batchSize: sc.batchSize,
      compressionType: 'gzip',
      ...(sc.profile === 'expiry' ? { deliveryTimeoutMs: sc.deliveryTimeoutMs, requestTimeoutMs: REQUEST_TIMEOUT_SHORT_MS } : {}),
      ...(sc.metadataMaxIdleMs !== null ? { metadataMaxIdleMs: sc.metadataMaxIdleMs } : {}),
      ...(sc.metadataMaxAgeMs !== null ? { metadataMaxAgeMs: sc.metadataMaxAgeMs } : {}),
      ...(sc.maxBlockMs !== null ? { maxBlockMs: sc.maxBlockMs } : {}),
      ...(sc.throwingKeys.length > 0 ? { partitioner: this.throwingPartitioner() } : {}),
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
      this.trace(`batchError ${e.topic}-${e.partition} records=${e.records} ${e.error.name}: ${e.error.message}`),
    );
  }

  /** Murmur2 for keys (as the default), round-robin without; throws for the scenario's keys. */
  private throwingPartitioner(): Partitioner {
    const throwing = new Set(this.sc.throwingKeys);
    const seed = this.sc.seed;
    let next = 0;
    return {
      partition: (topic, key, keyBytes, value, _valueBytes, cluster) => {
        if (typeof key === 'string' && throwing.has(key)) {
          let id: unknown = '?';
          try {
            id = JSON.parse(String(value)).id;
          } catch {
            // a null value: the record is named by its key only
          }
          throw new PartitionerRefusal(`test partitioner refuses key ${key} (seed ${seed} profile ${this.sc.profile}, record ${id})`);
        }
        const n = cluster.partitionCountFor(topic);
        return keyBytes ? partitionForKey(keyBytes, n) : next++ % n;
      },
    };
  }

  // --- broker side ---

  private countRequest(api: string): void {
    this.requests[api] = (this.requests[api] ?? 0) + 1;
  }

  /** Flags more Metadata requests in a window than Java's refresh backoff allows (see METADATA_BOUND). */
  private noteMetadataRequest(): void {
    const now = this.elapsed;
    this.metadataTimes.push(now);
    let n = 0;
    for (let i = this.metadataTimes.length - 1; i >= 0 && this.metadataTimes[i] > now - METADATA_WINDOW_MS; i--) n++;
    this.maxMetadataInWindow = Math.max(this.maxMetadataInWindow, n);
    const drops = this.dropTimes.filter((t) => t > now - 2 * METADATA_WINDOW_MS).length;
    if (n > METADATA_BOUND + drops && !this.metadataStorm) {
      this.metadataStorm = `Metadata storm: ${n} Metadata requests within ${METADATA_WINDOW_MS} ms (up to ${now} ms); Java's backoff allows ${METADATA_BOUND}${drops ? ` + ${drops} for dropped connections` : ''}`;
      this.trace(this.metadataStorm);
    }
  }

  private hook(broker: FakeBroker): void {
    const sc = this.sc;
    broker.onRequest((ctx) => {
      this.countRequest(ctx.api);
      if (ctx.apiKey !== 3 && ctx.apiKey !== 22) return undefined; // Metadata and InitProducerId only
      if (ctx.apiKey === 3) {
        this.noteMetadataRequest();
        this.trace(`node ${broker.nodeId}: Metadata (${this.topicInMetadata ? `leaders ${JSON.stringify(this.metaLeader)} epochs ${JSON.stringify(this.leaderEpoch)}${this.topicError() ? ` topic error ${codeName(this.topicError())}` : ''}` : 'no topic'})`);
      }
      if (this.faulty && this.rng.chance(sc.pMetadataDelay)) {
        const ms = this.rng.int(1, sc.maxDelayMs);
        this.trace(`node ${broker.nodeId}: ${ctx.api} answered after ${ms} ms`);
        return { until: this.virtualDelay(ms) };
      }
      if (this.faulty && this.rng.chance(sc.pDropBefore)) {
        this.noteDrop();
        this.trace(`node ${broker.nodeId}: connection dropped at ${ctx.api}`);
        return { dropConnection: true };
      }
      return { until: this.virtualDelay(NETWORK_MS) };
    });
    broker.onInitProducerId(() => {
      if (this.initAnswers++ < sc.initFailures) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
      return undefined;
    });
    broker.onProduce((req, ctx) => {
      this.stats.produce++;
      this.inspectProduce(broker.nodeId, req, ctx);
      const id = `node ${broker.nodeId} #${ctx.correlationId}`;
      if (this.faulty && this.rng.chance(sc.pDropBefore)) {
        this.noteDrop();
        if (this.rng.chance(sc.pZombie)) {
          // The client sees the connection go; the broker still handles the request later.
          const ms = this.rng.int(0, sc.maxDelayMs);
          this.trace(`${id}: connection dropped; the request is still processed in ${ms} ms`);
          this.at(this.elapsed + ms, () => this.processProduce(broker.nodeId, ctx.version, `${id} (zombie)`, req, [], null));
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
      if (dropAfterAppend) this.noteDrop();
      const delivery: Delivery | null = dropAfterAppend ? null : { brokerId: broker.nodeId, connectionId: ctx.connectionId, written: false, atMs: -1 };
      const process = () => this.processProduce(broker.nodeId, ctx.version, id, req, errors, delivery);
      const throttleTimeMs = this.faulty && this.rng.chance(sc.pThrottle) ? this.rng.int(1, 2000) : 0;
      const until = (async () => {
        if (queueDelay > 0) await this.virtualDelay(queueDelay);
        process();
        await this.virtualDelay(responseDelay);
        // The fake broker writes the answer as this settles.
        if (delivery) {
          delivery.written = true;
          delivery.atMs = this.elapsed;
        }
      })();
      return { errors, dropAfterAppend, until, throttleTimeMs };
    });
  }

  private connectionOpen(brokerId: number, connectionId: number): boolean {
    const conns = (this.cluster.broker(brokerId) as unknown as { conns: Set<{ id: number; closed: boolean }> }).conns;
    for (const c of conns) if (c.id === connectionId) return !c.closed;
    return false;
  }

  /**
   * Per Produce request received: flags a batch that reaches the brokers many times within a
   * short while (retries without backoff), and records sent again after their success answer
   * reached the producer (written on a connection that is still open, so it was read).
   */
  private inspectProduce(nodeId: number, req: ProduceRequestBody, _ctx: RequestContext): void {
    for (const t of req.topics) {
      for (const p of t.partitions) {
        let batches: DecodedBatch[];
        try {
          batches = p.batches;
        } catch {
          continue;
        }
        const b0 = batches[0];
        if (!b0) continue;
        const key = `${t.name === TOPIC ? '' : `${t.name}-`}p${p.index} e${b0.producerEpoch} s${b0.baseSequence}`;
        const times = this.attempts.get(key) ?? [];
        times.push(this.elapsed);
        this.attempts.set(key, times);
        const recent = times.filter((x) => x > this.elapsed - STORM_WINDOW_MS).length;
        if (recent >= STORM_ATTEMPTS && !this.storm) {
          this.storm = `retry storm: batch ${key} sent ${recent} times within ${STORM_WINDOW_MS} ms (now to node ${nodeId}, at ${this.elapsed} ms); retries wait retry.backoff.ms (100 ms and up) unless the leader changed`;
          this.trace(this.storm);
        }
        if (t.name !== TOPIC) continue;
        for (const b of batches) {
          for (const r of b.records) {
            const a = this.acked.get(recordIdOf(r));
            if (!a || !a.delivery.written || !this.connectionOpen(a.delivery.brokerId, a.delivery.connectionId)) continue;
            const v = `record ${recordIdOf(r)} sent again (p${p.index} e${b.producerEpoch} s${b.baseSequence}+${b.recordsCount}, to node ${nodeId}, at ${this.elapsed} ms) after its success answer reached the producer (${a.what}, answered at ${a.delivery.atMs} ms)`;
            if (this.violations.length < 5) this.violations.push(v);
            this.trace(v);
            this.acked.delete(recordIdOf(r));
          }
        }
      }
    }
  }

  private processProduce(nodeId: number, version: number, id: string, req: ProduceRequestBody, out: Answer[], delivery: Delivery | null): void {
    const parts: string[] = [];
    for (const t of req.topics) {
      if (t.name !== TOPIC) continue; // another topic, or an unknown topic id: the fake broker answers for itself
      for (const p of t.partitions) {
        const a = this.answerPartition(nodeId, version, p.index, p.batches);
        out.push({ topic: t.name, partition: p.index, ...a.spec });
        const seen = this.lastAnswer.get(`p${p.index} ${a.what}`);
        this.lastAnswer.set(`p${p.index} ${a.what}`, { result: a.result, count: (seen?.count ?? 0) + 1 });
        parts.push(`p${p.index}[${a.what}] ${a.result}`);
        if (a.spec.errorCode === 0 && delivery) {
          const note: AckNote = { delivery, what: `${id} p${p.index}[${a.what}] ${a.result}` };
          for (const b of p.batches) for (const r of b.records) this.acked.set(recordIdOf(r), note);
        }
      }
    }
    this.trace(`${id}: ${parts.join('; ')}${delivery ? '' : ' (response lost: connection dropped)'}`);
  }

  private answerPartition(nodeId: number, version: number, partition: number, batches: DecodedBatch[]): { spec: PartitionErrorSpec; what: string; result: string } {
    const b0 = batches[0];
    const what = b0 ? `e${b0.producerEpoch} s${b0.baseSequence}+${b0.recordsCount}` : 'empty';
    const err = (errorCode: number, extra: Partial<PartitionErrorSpec> = {}) => ({ spec: { errorCode, ...extra }, what, result: codeName(errorCode) });
    // Authorization comes first (KafkaApis checks it before the partition is looked at).
    if (this.topicError() === ErrorCode.TOPIC_AUTHORIZATION_FAILED) return err(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    if (this.topicError() === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) return err(version >= 13 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
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
    if (batches.some((b) => b.sizeInBytes > this.sc.maxMessageBytes)) {
      // Refused for good when the batch holds one record: the producer cannot split it.
      if (batches.length === 1 && b0.recordsCount === 1) this.refuse(batches);
      return err(ErrorCode.MESSAGE_TOO_LARGE);
    }
    let fault: number | null = null;
    if (this.faulty && this.rng.chance(this.sc.pPartitionError)) {
      this.stats.faults++;
      fault = this.rng.pick([
        ErrorCode.NOT_ENOUGH_REPLICAS,
        ErrorCode.NOT_LEADER_OR_FOLLOWER,
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        ErrorCode.REQUEST_TIMED_OUT,
        ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
      ]);
      // These two are answered after the leader appended (acks=all gave up waiting for replicas).
      if (fault !== ErrorCode.REQUEST_TIMED_OUT && fault !== ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND) return err(fault);
    }
    // Kafka's LogValidator runs before the producer state checks: a batch with an invalid
    // record is refused whatever its sequence, and nothing of it is appended.
    const invalid = this.validateRecords(partition, batches);
    if (invalid) {
      this.refuse(batches);
      return { spec: invalid, what, result: `${codeName(invalid.errorCode)} (records ${invalid.recordErrors!.map((e) => e.batchIndex).join(',')})` };
    }
    const res = this.append(partition, batches);
    if (res.errorCode !== 0) return err(res.errorCode);
    if (fault !== null) return { spec: { errorCode: fault }, what, result: `${res.note}, answered ${codeName(fault)}` };
    return { spec: { errorCode: 0, baseOffset: res.baseOffset }, what, result: res.note };
  }

  private refuse(batches: DecodedBatch[]): void {
    this.stats.refusals++;
    for (const b of batches) for (const r of b.records) this.refusedIds.add(recordIdOf(r));
  }

  /**
   * Kafka's LogValidator: every record error of the batch is collected; INVALID_TIMESTAMP when
   * any is a timestamp out of the topic's range (message.timestamp.before.max.ms is set), else
   * INVALID_RECORD (as for a key-less record in a compacted topic).
   */
  private validateRecords(partition: number, batches: DecodedBatch[]): PartitionErrorSpec | null {
    const recordErrors: { batchIndex: number; message: string | null }[] = [];
    let timestamp = false;
    for (const b of batches) {
      for (const r of b.records) {
        if (r.headers.some((h) => h.key === INVALID_HEADER)) {
          recordErrors.push({ batchIndex: r.offsetDelta, message: `Record ${r.offsetDelta} of the batch is not valid for ${TOPIC}-${partition}.` });
        } else if (r.timestamp === ANCIENT_TIMESTAMP_MS) {
          timestamp = true;
          recordErrors.push({ batchIndex: r.offsetDelta, message: `Timestamp ${r.timestamp} of message with offset ${r.offsetDelta} is out of range.` });
        }
      }
    }
    if (recordErrors.length === 0) return null;
    if (timestamp) return { errorCode: ErrorCode.INVALID_TIMESTAMP, recordErrors, errorMessage: 'One or more records have been rejected due to invalid timestamp' };
    return { errorCode: ErrorCode.INVALID_RECORD, recordErrors, errorMessage: `One or more records have been rejected due to ${recordErrors.length} record errors in total` };
  }

  /** Kafka's validation (UnifiedLog.analyzeAndValidateProducerState + ProducerAppendInfo), then the append. */
  private append(partition: number, batches: DecodedBatch[]): { errorCode: number; baseOffset: number; note: string } {
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
        log.records.push({ offset: first + r.offsetDelta, id: recordIdOf(r), producerId: b.producerId, producerEpoch: b.producerEpoch, sequence: b.baseSequence });
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

  /** A value too large for the topic even alone, and incompressible (deterministic per record). */
  private largePad(id: number): string {
    const r = new Rng(this.sc.seed * 65537 + id);
    const bytes = Buffer.alloc(3_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = r.int(0, 255);
    return bytes.toString('base64');
  }

  send(id: number): void {
    const sc = this.sc;
    // The shapes of the conformance matrix test: keyed, null keys, explicit partitions, headers.
    const shape = id % 6;
    const key = shape === 1 ? null : `key-${id % 17}`;
    let value: string | null = shape === 2 ? null : JSON.stringify({ id, pad: 'x'.repeat(id % 50) });
    const headers: { key: string; value: Buffer | null }[] = [{ key: 'seq', value: Buffer.from(String(id)) }];
    if (shape === 3) headers.push({ key: 'trace', value: Buffer.from([id & 0xff, 0, 255]) }, { key: 'empty', value: null });
    let topic = TOPIC;
    let partition: number | null = shape === 4 ? id % PARTITIONS : null;
    let timestamp: number | undefined;
    const poison = sc.poison[id] ?? null;
    if (poison === 'invalid-record') headers.push({ key: INVALID_HEADER, value: null });
    else if (poison === 'invalid-timestamp') timestamp = ANCIENT_TIMESTAMP_MS;
    else if (poison === 'too-large') value = JSON.stringify({ id, pad: this.largePad(id) });
    if (sc.narrowBad.includes(id)) {
      topic = NARROW;
      partition = NARROW_BAD_PARTITION;
    } else if (sc.narrowGood.includes(id)) {
      topic = NARROW;
      partition = 0;
    }
    const s: Sent = { id, topic, key, explicitPartition: partition, poison, calls: 0, err: null, md: null, thrown: false, sentAtMs: this.elapsed, settledAtMs: null };
    this.sent.push(s);
    const record = { topic, key, value, headers, partition: partition ?? undefined, timestamp } as unknown as ProducerRecord<string, string>;
    const outcome = (err: Error | null, md: RecordMetadata | null) => {
      s.calls++;
      if (s.calls === 1) {
        s.err = err;
        s.md = err ? null : md;
        s.settledAtMs = this.elapsed;
      }
    };
    try {
      this.producer.send(record, outcome);
    } catch (err) {
      // send() does not throw (Java's throws what the partitioner throws); were it to, that
      // would still be this record's outcome, marked as thrown in the report.
      s.thrown = true;
      outcome(err as Error, null);
      this.trace(`send(${id}) threw ${(err as Error)?.name}: ${(err as Error)?.message}`);
    }
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
      if (!process.env.LIVENESS_ALLOW_STORMS) {
        if (this.storm) throw new StallError(`seed ${this.sc.seed}: ${this.storm}`);
        if (this.metadataStorm) throw new StallError(`seed ${this.sc.seed}: ${this.metadataStorm}`);
      }
      if (this.quiescent()) {
        if (++calm >= 1) return;
      } else calm = 0;
      if (i > 10) await new Promise<void>((resolve) => setTimeout(resolve, 0));
    }
    throw new Error(`seed ${this.sc.seed}: real I/O did not settle at ${this.elapsed} ms: ${this.ioState()}`);
  }

  /** Moves virtual time; an exception out of a producer timer is noted (in Node it would be uncaught). */
  private advance(ms: number): void {
    const target = this.clock.now() + ms;
    for (let guard = 0; guard < 100; guard++) {
      try {
        this.clock.advance(Math.max(0, target - this.clock.now()));
        return;
      } catch (err) {
        const line = `exception thrown out of a producer timer at ${this.elapsed} ms: ${(err as Error)?.name}: ${(err as Error)?.message}`;
        if (this.uncaught.length < 5) this.uncaught.push(line);
        this.trace(line);
      }
    }
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
        this.advance(Math.max(0, this.startMs + limitMs - now));
        return;
      }
      this.advance(Math.max(0, next - now));
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
      const [topic, part] = key.split('\u0000');
      const p = Number(part);
      for (const b of ps.inFlight) {
        const what = `p${p} e${b.producerEpoch} s${b.baseSequence}+${b.recordCount}`;
        if (topic !== TOPIC) {
          out.push(`${topic}-${what}`);
          continue;
        }
        const a = this.lastAnswer.get(what);
        const broker = [...this.logs[p].producers].map(([pid, e]) => `producer ${pid} epoch ${e.epoch} last sequence ${e.lastSeq}`).join(', ') || 'no producer state';
        out.push(`${what}: ${a ? `answered ${a.result} (${a.count}x)` : 'never answered'}; broker has ${broker}`);
      }
    }
    const waiting = this.producer.metrics()['waiting-sends'];
    return `${out.length > 0 ? out.join('; ') : 'no batch with a sequence unfinished'}${waiting ? `; ${waiting} send(s) waiting for metadata or memory` : ''}`;
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
    lines.push(`producer id ${idem.producerId} epoch ${idem.producerEpoch} state ${idem.state}; unresolved ${JSON.stringify([...(idem.unresolved ?? new Map())].map(([k, v]) => [k.replace('\u0000', '-'), v]))}`);
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
        this.advance(this.clock.nextTimerDelayMs() ?? 0);
        await this.clock.tick(2);
      }
    }
    for (const b of this.cluster?.brokers ?? []) b.unreachable = false;
    // Held broker answers: let them go so the fake broker's connections can close.
    for (const r of this.releases.splice(0)) r.fire();
    if (this.cluster) await this.cluster.close();
  }
}

function codeName(code: number): string {
  const names: Record<number, string> = {};
  for (const [k, v] of Object.entries(ErrorCode)) names[v as number] = k;
  return names[code] ?? `code ${code}`;
}

// ---------------------------------------------------------------------------------------
// One seed: run, then check

export interface Result {
  seed: number;
  profile: Profile;
  ok: boolean;
  problems: string[];
  flushMs: number | null;
  faultsEndMs: number;
  detail: string;
  holes: number[];
  requests: Record<string, number>;
  maxMetadataInWindow: number;
}

export async function runSeed(seed: number, profile: Profile): Promise<Result> {
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
  const requests = { ...sim.requests };
  const detail =
    problems.length > 0
      ? `${JSON.stringify(sc)}\n--- stats ${JSON.stringify(sim.stats)}\n--- requests ${JSON.stringify(requests)}, at most ${sim.maxMetadataInWindow} Metadata in ${METADATA_WINDOW_MS} ms\n--- producer state\n${safe(() => sim.state())}\n--- trace\n${sim.traceExcerpt()}`
      : '';
  await sim.close();
  if (ONLY !== null && problems.length === 0) {
    console.log(`seed ${seed} (${profile}) passed: flush at ${flushMs} ms, faults ended at ${sc.faultsEndMs} ms; ${JSON.stringify(sim.stats)}; requests ${JSON.stringify(requests)}${sim.storm ? `; ${sim.storm}` : ''}${sim.metadataStorm ? `; ${sim.metadataStorm}` : ''}`);
  }
  return { seed, profile, ok: problems.length === 0, problems, flushMs, faultsEndMs: sc.faultsEndMs, detail, holes: [...sim.holes], requests, maxMetadataInWindow: sim.maxMetadataInWindow };
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
 * 30 s more is generous, and far from delivery.timeout.ms (120 s). Sends that wait for
 * metadata that cannot come (a partition beyond the topic's count) add max.block.ms.
 */
function boundMs(sc: Scenario): number {
  return sc.faultsEndMs + 30_000 + (sc.profile === 'expiry' ? sc.deliveryTimeoutMs : 0) + (sc.maxBlockMs ?? 0);
}

function runLimitMs(sc: Scenario): number {
  return process.env.LIVENESS_FULL ? DELIVERY_TIMEOUT_MS + 10_000 : boundMs(sc) + 1;
}

function causes(err: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e = err, i = 0; e && i < 10; e = (e as { cause?: unknown }).cause, i++) out.push(e);
  return out;
}

/** Why a record must fail, or null when it must be delivered. */
function mustFail(sim: Simulation, s: Sent): string | null {
  const sc = sim.sc;
  if (s.poison) return `its ${s.poison} record is refused by the broker`;
  if (sc.narrowBad.includes(s.id)) return `it names partition ${NARROW_BAD_PARTITION} of the 1-partition topic ${NARROW}`;
  if (sc.throwingKeys.length > 0 && s.topic === TOPIC && s.explicitPartition === null && s.key !== null && sc.throwingKeys.includes(s.key)) return 'the partitioner throws for its key';
  return null;
}

/** Whether this record's error is one it may have. */
function failureAllowed(sim: Simulation, s: Sent): boolean {
  const sc = sim.sc;
  const err = s.err!;
  const chain = causes(err);
  const named = (...names: string[]) => chain.some((e) => names.includes((e as Error)?.name));
  if (sc.profile === 'expiry' && s.id < 100 && err.name === 'TimeoutError') return true;
  if (s.poison === 'invalid-record') return named('InvalidRecordError');
  if (s.poison === 'invalid-timestamp') return named('InvalidTimestampError', 'InvalidRecordError');
  if (s.poison === 'too-large') return named('RecordTooLargeError', 'MessageTooLargeError');
  if (sc.narrowBad.includes(s.id)) return err.name === 'TimeoutError';
  if (mustFail(sim, s)) return chain.some((e) => e instanceof PartitionerRefusal) || String(err.message).includes('test partitioner refuses');
  // A batch-mate of a refused record fails with its batch (Java: a KafkaException naming the invalid records).
  if (sim.refusedIds.has(s.id)) return true;
  // Sent, or still waiting, while the topic was not authorized.
  const end = s.settledAtMs ?? Infinity;
  if (named('TopicAuthorizationError') && sc.topicErrors.some((w) => w.code === ErrorCode.TOPIC_AUTHORIZATION_FAILED && s.sentAtMs <= w.atMs + w.durationMs && end >= w.atMs)) return true;
  return false;
}

function check(sim: Simulation, problems: string[]): void {
  const sc = sim.sc;
  const flushMs = sim.flushedAtMs;
  const bound = boundMs(sc);
  if (flushMs === null) problems.push(`${sc.finish}() not resolved after ${runLimitMs(sc)} ms of virtual time (faults ended at ${sc.faultsEndMs} ms); stuck: ${sim.stuck()}`);
  else if (flushMs > bound) problems.push(`${sc.finish}() resolved only at ${flushMs} ms (faults ended at ${sc.faultsEndMs} ms; bound ${bound} ms)`);
  if (sim.metadataStorm) problems.push(sim.metadataStorm);
  problems.push(...sim.uncaught, ...sim.violations);
  const twice = sim.sent.filter((s) => s.calls > 1).map((s) => s.id);
  if (twice.length > 0) problems.push(`records with more than one outcome: ${twice.join(',')}`);
  const missing = sim.sent.filter((s) => s.calls === 0).map((s) => s.id);
  if (missing.length > 0) problems.push(`records without an outcome: ${missing.length} (${missing.slice(0, 10).join(',')}...)`);
  const describe = (s: Sent) => `${s.err!.name}${s.thrown ? ' (thrown by send())' : ''}: ${s.err!.message.replace(/\d+ ms/g, 'N ms').replace(/record \d+\)/, 'record N)').slice(0, 140)}`;
  const kinds = new Map<string, number>();
  const failed = sim.sent.filter((s) => s.err && !failureAllowed(sim, s));
  for (const s of failed) kinds.set(describe(s), (kinds.get(describe(s)) ?? 0) + 1);
  if (failed.length > 0) problems.push(`records failed: ${failed.length} (${failed.slice(0, 8).map((s) => s.id).join(',')}): ${[...kinds].map(([k, n]) => `${n}x ${k}`).join(' | ')}`);
  const delivered = sim.sent.filter((s) => s.md && mustFail(sim, s));
  if (delivered.length > 0) problems.push(`records that must fail succeeded: ${delivered.map((s) => `${s.id} (${mustFail(sim, s)})`).join('; ')}`);
  // The log: every record exactly once, in the partition and at the offset it was told.
  const logs: { name: string; topic: string; partition: number; ids: { id: number; offset: number }[] }[] = [];
  for (let p = 0; p < PARTITIONS; p++) logs.push({ name: `p${p}`, topic: TOPIC, partition: p, ids: sim.logs[p].records.map((r) => ({ id: r.id, offset: r.offset })) });
  if (sim.cluster.topics.has(NARROW)) logs.push({ name: `${NARROW}-0`, topic: NARROW, partition: 0, ids: sim.cluster.records(NARROW, 0).map((r) => ({ id: recordIdOf(r), offset: r.offset })) });
  const where = new Map<number, { topic: string; partition: number; offset: number }[]>();
  for (const l of logs) {
    for (const r of l.ids) {
      const list = where.get(r.id) ?? [];
      list.push({ topic: l.topic, partition: l.partition, offset: r.offset });
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
    if (at[0].topic !== s.md.topic || at[0].partition !== s.md.partition || BigInt(at[0].offset) !== s.md.offset) {
      wrong++;
      if (wrong <= 5) problems.push(`record ${s.id}: reported ${s.md.topic}-${s.md.partition} @${s.md.offset}, log has ${at[0].topic}-${at[0].partition} @${at[0].offset}`);
    }
    if (s.explicitPartition !== null && s.md.partition !== s.explicitPartition) problems.push(`record ${s.id} went to p${s.md.partition}, not its explicit p${s.explicitPartition}`);
  }
  // Per-partition order follows send order.
  for (const l of logs) {
    const ids = l.ids.map((r) => r.id);
    const sorted = [...ids].sort((a, b) => a - b);
    if (ids.join() !== sorted.join()) problems.push(`${l.name} log out of send order: ${ids.join(',')}`);
  }
}

// ---------------------------------------------------------------------------------------
// The runs

const SEEDS = Number(process.env.LIVENESS_SEEDS ?? 200);
export const ONLY = process.env.LIVENESS_SEED !== undefined ? Number(process.env.LIVENESS_SEED) : null;

/** Seeds 1..ceil(fraction x LIVENESS_SEEDS), or the one LIVENESS_SEED names. */
export function seedList(fraction: number): number[] {
  if (ONLY !== null) return [ONLY];
  return Array.from({ length: Math.ceil(SEEDS * fraction) }, (_, i) => i + 1);
}

/** Flush latency after the faults ended, and requests per seed, for LIVENESS_STATS=1. */
function stats(results: Result[]): string {
  const after = results.filter((r) => r.flushMs !== null).map((r) => Math.max(0, r.flushMs! - r.faultsEndMs)).sort((a, b) => a - b);
  const q = (f: number) => after[Math.min(after.length - 1, Math.floor(f * after.length))];
  const apis = [...new Set(results.flatMap((r) => Object.keys(r.requests)))].sort();
  const perApi = apis.map((api) => {
    const xs = results.map((r) => r.requests[api] ?? 0);
    return `${api} mean ${Math.round(xs.reduce((a, b) => a + b, 0) / xs.length)} max ${Math.max(...xs)}`;
  });
  return [
    `flush after the faults ended: median ${q(0.5)} ms, p90 ${q(0.9)} ms, max ${after[after.length - 1]} ms (${after.length} seeds)`,
    `requests per seed: ${perApi.join(', ')}; Metadata in any ${METADATA_WINDOW_MS} ms: at most ${Math.max(...results.map((r) => r.maxMetadataInWindow))} (bound ${METADATA_BOUND} + drops)`,
  ].join('\n  ');
}

function summarize(results: Result[]): string {
  const bad = results.filter((r) => !r.ok);
  const withHole = bad.filter((r) => r.holes.length > 0).length;
  const passedWithHole = results.filter((r) => r.ok && r.holes.length > 0).length;
  const lines = [
    `failed seeds where the broker took a first batch at a sequence > 0 (an earlier one was refused): ${withHole}/${bad.length}; passed seeds with that: ${passedWithHole}`,
    ...bad
      .slice(0, 20)
      .map(
        (r) =>
          `seed ${r.seed} (${r.profile}, faults end ${r.faultsEndMs} ms, flush ${r.flushMs ?? 'never'} ms, Metadata ${r.requests.Metadata ?? 0} (max ${r.maxMetadataInWindow}/${METADATA_WINDOW_MS} ms), Produce ${r.requests.Produce ?? 0}${r.holes.length ? `, first batch at seq > 0 on p${r.holes.join(',p')}` : ''}): ${r.problems.join('; ')}`,
      ),
  ];
  if (bad.length > 20) lines.push(`... and ${bad.length - 20} more`);
  if (process.env.LIVENESS_TRACE || ONLY !== null) for (const r of bad.slice(0, 3)) lines.push(`\n===== seed ${r.seed} =====\n${r.detail}`);
  return `${bad.length}/${results.length} seed(s) failed\n${lines.join('\n')}`;
}

/** Runs the seeds of a profile in turn; throws a summary of the failing ones. */
export async function runProfile(profile: Profile, seeds: number[]): Promise<void> {
  const results: Result[] = [];
  for (const seed of seeds) results.push(await runSeed(seed, profile));
  if (process.env.LIVENESS_STATS) console.log(`profile ${profile} (${results.length} seeds):\n  ${stats(results)}`);
  if (results.some((r) => !r.ok)) throw new Error(summarize(results));
}

/** A Jest timeout for `n` seeds. */
export function timeoutFor(n: number): number {
  return Math.max(60_000, n * 500);
}
