/**
 * FakeBroker: a scripted Kafka broker on 127.0.0.1 for unit tests of the sender and the
 * producer, and a "null broker" for benchmarks. It speaks the wire protocol through our own
 * protocol layer (Reader, Writer, headers, api-keys, record batch reader); the request
 * decoders and response encoders it needs (the broker's side of each API) live here, since
 * the client only ever encodes requests and decodes responses.
 *
 * What it answers:
 * - ApiVersions: exactly the version ranges this client speaks (APIS in api-keys.ts), but
 *   for the transactional APIs, which it does not serve (as a broker that lacks them), unless
 *   a test narrows or adds ranges.
 * - Metadata: the brokers of its cluster, topics with their partitions and leaders; an
 *   unknown topic gets UNKNOWN_TOPIC_OR_PARTITION unless auto-create is on.
 * - InitProducerId: a producer id counter, epoch 0.
 * - FindCoordinator, AddPartitionsToTxn, EndTxn: only with the `transactions` option, which
 *   answers them at once with success and keeps no transaction state.
 * - Produce: decodes each partition's record batches, checks CRCs, the topic's
 *   max.message.bytes (maxMessageBytes) and, for idempotent batches, producer epochs and
 *   sequences as a real broker does (DUPLICATE_SEQUENCE_NUMBER for one of the last five
 *   batches again, OUT_OF_ORDER_SEQUENCE_NUMBER for a gap; see duplicateMode and
 *   unknownProducerMode), appends them with offsets, answers with the base offset; a
 *   partition led by another node gets NOT_LEADER_OR_FOLLOWER with a CurrentLeader hint;
 *   acks=0 gets no answer.
 *
 * What tests can script:
 * - broker.onProduce((req, ctx) => action): per-partition errors, { delayMs }, { until },
 *   { dropConnection }, { dropAfterAppend }, { noResponse }, { mangleResponse } (malformed bytes);
 * - broker.onRequest(...) for any API; broker.onInitProducerId(...) for its error code;
 * - cluster.failNext(topic, partition, errorCode, times): queued errors per partition;
 * - cluster.setLeader(), createTopic(), forgetProducers() (lost producer state);
 * - broker.unreachable (new connections closed at once) with dropConnections(): an outage.
 * What tests can check: records()/batches() per partition (decoded, with offsets), the
 * request log, the number of unanswered Produce requests (now and at most).
 * Outcomes (end of file) counts what each record's callback got, for "exactly one outcome".
 *
 * Time: the broker runs on real time (delayMs is real ms); it never sees the producer's
 * clock, so hooks that want virtual time read the test's FakeClock themselves.
 *
 * Requests on one connection are handled one at a time, in order, as a real broker does;
 * a delayed request delays the ones behind it on the same connection.
 *
 * Several brokers can share one FakeCluster, so partition leaders can live on different
 * nodes; partition logs and producer state belong to the cluster (as if replicated).
 */
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';

import {
  ADD_OFFSETS_TO_TXN_API,
  ADD_PARTITIONS_TO_TXN_API,
  API_VERSIONS_API,
  APIS,
  ApiSpec,
  END_TXN_API,
  FIND_COORDINATOR_API,
  INIT_PRODUCER_ID_API,
  METADATA_API,
  PRODUCE_API,
  requestHeaderVersion,
  responseHeaderVersion,
  TXN_OFFSET_COMMIT_API,
  VersionRange,
} from '../../src/protocol/api-keys';
import type { RecordMetadata, SendCallback } from '../../src/producer/record';
import { ErrorCode } from '../../src/protocol/errors';
import { Reader } from '../../src/protocol/reader';
import { DecodedBatch, DecodedRecord, decodeRecordBatches } from '../../src/protocol/records/record-batch-reader';
import { Writer } from '../../src/protocol/writer';

// Error codes come from the client's own table (one definition); re-exported because tests
// import ErrorCode from here.
export { ErrorCode };

const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;
/** Not served here, so not advertised by default. */
const TRANSACTIONAL_APIS: readonly ApiSpec[] = [FIND_COORDINATOR_API, ADD_PARTITIONS_TO_TXN_API, ADD_OFFSETS_TO_TXN_API, END_TXN_API, TXN_OFFSET_COMMIT_API];
const ADVERTISED_APIS = APIS.filter((api) => !TRANSACTIONAL_APIS.includes(api));
/** What the `transactions` option serves. */
const SIMPLE_TRANSACTIONAL_APIS: readonly ApiSpec[] = [FIND_COORDINATOR_API, ADD_PARTITIONS_TO_TXN_API, END_TXN_API];
const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

// ---------------------------------------------------------------------------------------
// Public types

export interface FakeTopicSpec {
  partitions: number;
  /** Leader node id per partition; default: the cluster's brokers round-robin. -1 = none. */
  leaders?: number[];
  /** Kafka's base64url form; default: random. */
  topicId?: string;
  /** Metadata answers this error code for the topic (e.g. 29 TOPIC_AUTHORIZATION_FAILED). */
  metadataErrorCode?: number;
  /** Answer Produce with LogAppendTime = the broker's (real) time. */
  logAppendTime?: boolean;
  /** Refuse a batch larger than this many bytes with MESSAGE_TOO_LARGE (Kafka's max.message.bytes). */
  maxMessageBytes?: number;
}

export interface FakeClusterOptions {
  /** Number of brokers (node ids nodeIdBase, nodeIdBase + 1, ...). Default 1. */
  brokers?: number;
  nodeIdBase?: number;
  topics?: Record<string, number | FakeTopicSpec>;
  /** Create unknown topics asked for in Metadata: true (1 partition) or a partition count. */
  autoCreateTopics?: boolean | number;
  /**
   * Null broker: stores nothing, checks nothing, logs nothing; answers Produce at once with
   * increasing offsets (for benchmarks).
   */
  null?: boolean;
  /**
   * How a repeated idempotent batch (one of the last five of its producer) is answered:
   * 'error' DUPLICATE_SEQUENCE_NUMBER with offset -1 (default), or 'original-offset' NONE
   * with the offset the batch first got (what Kafka brokers do nowadays).
   */
  duplicateMode?: 'error' | 'original-offset';
  /** Narrow the advertised version ranges, by api key. */
  apiVersions?: Record<number, VersionRange>;
  /** First producer id handed out by InitProducerId. Default 1000. */
  firstProducerId?: number;
  /**
   * An idempotent batch with sequence != 0 from a producer the partition has no state for
   * (never seen, or forgotten): 'out-of-order' OUT_OF_ORDER_SEQUENCE_NUMBER (default, a gap
   * from 0), 'unknown-producer-id' UNKNOWN_PRODUCER_ID (older brokers), or 'accept' (Kafka 3.x
   * brokers accept any sequence when they have no epoch for the producer).
   */
  unknownProducerMode?: 'out-of-order' | 'unknown-producer-id' | 'accept';
  /**
   * Serve FindCoordinator, AddPartitionsToTxn and EndTxn, minimally (for benchmarks of
   * transactional workloads): every broker is every id's coordinator, every partition is added
   * and every commit or abort succeeds at once. No transaction state is kept, nothing is
   * checked, and no finalized transaction.version is advertised (the classic protocol).
   * AddOffsetsToTxn and TxnOffsetCommit stay unserved.
   */
  transactions?: boolean;
}

export interface StoredRecord {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: { key: string; value: Buffer | null }[];
  /** The key and value as UTF-8 text, for easy assertions. */
  keyString: string | null;
  valueString: string | null;
}

export interface StoredBatch {
  baseOffset: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordsCount: number;
  compression: number;
  isTransactional: boolean;
  records: StoredRecord[];
  nodeId: number;
  correlationId: number;
}

export interface RequestLogPartition {
  topic: string;
  partition: number;
  batches: number;
  records: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  bytes: number;
}

export interface RequestLogEntry {
  nodeId: number;
  connectionId: number;
  apiKey: number;
  api: string;
  version: number;
  correlationId: number;
  clientId: string | null;
  /** Real time of receipt (Date.now()). */
  receivedAtMs: number;
  /** Produce only. */
  acks?: number;
  batches?: number;
  records?: number;
  partitions?: RequestLogPartition[];
  /** InitProducerId only: the id handed out (or -1). */
  producerId?: number;
  /** Metadata only: the topics asked for (null = all). */
  topics?: string[] | null;
  /** What became of it. */
  outcome: 'pending' | 'answered' | 'no-response' | 'dropped' | 'acks0';
  /** Produce only: error code per partition, as answered. */
  errors?: { topic: string; partition: number; errorCode: number; baseOffset: number }[];
}

export interface ProducePartitionRequest {
  index: number;
  /** The raw records bytes (null is legal on the wire). */
  records: Buffer | null;
  /** Decoded lazily; throws on a malformed batch. */
  readonly batches: DecodedBatch[];
}

export interface ProduceTopicRequest {
  /** Resolved from the topic id for v13. */
  name: string;
  topicId: string;
  partitions: ProducePartitionRequest[];
}

export interface ProduceRequestBody {
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
  topics: ProduceTopicRequest[];
}

export interface RequestContext {
  broker: FakeBroker;
  connectionId: number;
  correlationId: number;
  apiKey: number;
  api: string;
  version: number;
  clientId: string | null;
  /** 0 for the first request of this API on this broker, then 1, 2, ... */
  index: number;
}

/** What to do with a request, on top of the normal handling. */
export interface RequestAction {
  /** Handle (and answer) after this many real ms. */
  delayMs?: number;
  /** Handle (and answer) once this settles. */
  until?: Promise<unknown>;
  /** Close the connection instead of handling the request. */
  dropConnection?: boolean;
  /** Swallow the request: no answer, and nothing after it on this connection is handled. */
  noResponse?: boolean;
}

export interface PartitionErrorSpec {
  errorCode: number;
  errorMessage?: string | null;
  recordErrors?: { batchIndex: number; message: string | null }[];
  currentLeader?: { leaderId: number; leaderEpoch: number };
  /** Answer baseOffset (default -1). */
  baseOffset?: number;
}

export interface ProduceAction extends RequestAction {
  /** Per-partition errors, answered instead of appending. */
  errors?: ({ topic: string; partition: number } & PartitionErrorSpec)[];
  /** Every partition of the request gets this error. */
  errorCode?: number;
  /** Append as usual, then close the connection without answering. */
  dropAfterAppend?: boolean;
  throttleTimeMs?: number;
  /**
   * Append as usual, then answer with these bytes instead of the response frame (which is
   * passed in: int32 size, correlation id, header tags, body). For malformed responses.
   */
  mangleResponse?: (frame: Buffer) => Buffer;
}

export type ProduceHook = (req: ProduceRequestBody, ctx: RequestContext) => ProduceAction | void;
export type RequestHook = (ctx: RequestContext) => RequestAction | void;
export type InitProducerIdHook = (
  req: { transactionalId: string | null; producerId: number; producerEpoch: number },
  ctx: RequestContext,
) => (RequestAction & { errorCode?: number; producerId?: number; producerEpoch?: number }) | void;

// ---------------------------------------------------------------------------------------
// Cluster state

interface TopicState {
  name: string;
  topicId: string;
  partitions: PartitionState[];
  metadataErrorCode: number;
  logAppendTime: boolean;
  maxMessageBytes: number;
}

interface ProducerEntry {
  epoch: number;
  lastSequence: number;
  /** The last five batches (Kafka keeps five per producer and partition). */
  recent: { firstSeq: number; lastSeq: number; baseOffset: number }[];
}

interface PartitionState {
  index: number;
  leader: number;
  leaderEpoch: number;
  nextOffset: number;
  batches: StoredBatch[];
  producers: Map<number, ProducerEntry>;
  scripted: PartitionErrorSpec[];
}

function randomTopicId(): string {
  return randomBytes(16).toString('base64url');
}

export class FakeCluster {
  readonly brokers: FakeBroker[] = [];
  readonly topics = new Map<string, TopicState>();
  readonly clusterId = 'fake-cluster-0001';
  readonly isNull: boolean;
  /** The `transactions` option. */
  readonly serveTransactions: boolean;
  readonly duplicateMode: 'error' | 'original-offset';
  readonly unknownProducerMode: 'out-of-order' | 'unknown-producer-id' | 'accept';
  readonly apiVersions: ReadonlyMap<number, VersionRange>;
  autoCreateTopics: number;
  nextProducerId: number;

  private constructor(opts: FakeClusterOptions) {
    this.isNull = opts.null === true;
    this.serveTransactions = opts.transactions === true;
    this.duplicateMode = opts.duplicateMode ?? 'error';
    this.unknownProducerMode = opts.unknownProducerMode ?? 'out-of-order';
    this.autoCreateTopics = opts.autoCreateTopics === true ? 1 : typeof opts.autoCreateTopics === 'number' ? opts.autoCreateTopics : 0;
    this.nextProducerId = opts.firstProducerId ?? 1000;
    const versions = new Map<number, VersionRange>();
    for (const api of ADVERTISED_APIS) versions.set(api.apiKey, { minVersion: api.minVersion, maxVersion: api.maxVersion });
    if (opts.transactions) {
      for (const api of SIMPLE_TRANSACTIONAL_APIS) versions.set(api.apiKey, { minVersion: api.minVersion, maxVersion: api.maxVersion });
    }
    for (const [k, v] of Object.entries(opts.apiVersions ?? {})) versions.set(Number(k), v);
    this.apiVersions = versions;
  }

  /** Starts `brokers` brokers sharing one cluster view. */
  static async start(opts: FakeClusterOptions = {}): Promise<FakeCluster> {
    const cluster = new FakeCluster(opts);
    const n = opts.brokers ?? 1;
    const base = opts.nodeIdBase ?? 0;
    for (let i = 0; i < n; i++) cluster.brokers.push(await FakeBroker.listen(cluster, base + i));
    for (const [name, spec] of Object.entries(opts.topics ?? {})) cluster.createTopic(name, spec);
    return cluster;
  }

  /** "host:port" of every broker, for bootstrapServers. */
  get bootstrap(): string[] {
    return this.brokers.map((b) => b.bootstrap);
  }

  broker(nodeId: number): FakeBroker {
    const b = this.brokers.find((x) => x.nodeId === nodeId);
    if (!b) throw new Error(`no broker with node id ${nodeId}`);
    return b;
  }

  createTopic(name: string, spec: number | FakeTopicSpec): void {
    const s: FakeTopicSpec = typeof spec === 'number' ? { partitions: spec } : spec;
    const partitions: PartitionState[] = [];
    for (let i = 0; i < s.partitions; i++) {
      const leader = s.leaders?.[i] ?? (this.brokers.length > 0 ? this.brokers[i % this.brokers.length].nodeId : -1);
      partitions.push({ index: i, leader, leaderEpoch: 0, nextOffset: 0, batches: [], producers: new Map(), scripted: [] });
    }
    this.topics.set(name, {
      name,
      topicId: s.topicId ?? randomTopicId(),
      partitions,
      metadataErrorCode: s.metadataErrorCode ?? ErrorCode.NONE,
      logAppendTime: s.logAppendTime ?? false,
      maxMessageBytes: s.maxMessageBytes ?? Infinity,
    });
  }

  deleteTopic(name: string): void {
    this.topics.delete(name);
  }

  private partition(topic: string, partition: number): PartitionState {
    const t = this.topics.get(topic);
    const p = t?.partitions[partition];
    if (!p) throw new Error(`no partition ${topic}-${partition}`);
    return p;
  }

  /** Moves a partition's leadership (its leader epoch goes up). */
  setLeader(topic: string, partition: number, nodeId: number): void {
    const p = this.partition(topic, partition);
    p.leader = nodeId;
    p.leaderEpoch++;
  }

  leaderOf(topic: string, partition: number): number {
    return this.partition(topic, partition).leader;
  }

  /** The next `times` Produce answers for this partition carry `errorCode` (nothing is appended). */
  failNext(topic: string, partition: number, errorCode: number, times = 1, extra: Omit<PartitionErrorSpec, 'errorCode'> = {}): void {
    const p = this.partition(topic, partition);
    for (let i = 0; i < times; i++) p.scripted.push({ errorCode, ...extra });
  }

  /** The broker loses every producer's state for every partition (as after retention). */
  forgetProducers(): void {
    for (const t of this.topics.values()) for (const p of t.partitions) p.producers.clear();
  }

  batches(topic: string, partition: number): StoredBatch[] {
    return this.partition(topic, partition).batches.slice();
  }

  records(topic: string, partition: number): StoredRecord[] {
    const out: StoredRecord[] = [];
    for (const b of this.partition(topic, partition).batches) out.push(...b.records);
    return out;
  }

  /** Every record of a topic, per partition. */
  recordsByPartition(topic: string): StoredRecord[][] {
    const t = this.topics.get(topic);
    if (!t) throw new Error(`no topic ${topic}`);
    return t.partitions.map((p) => this.records(topic, p.index));
  }

  /** Every broker's request log, in order of receipt (stable per broker). */
  get requests(): RequestLogEntry[] {
    return this.brokers.flatMap((b) => b.requests).sort((a, b) => a.receivedAtMs - b.receivedAtMs);
  }

  async close(): Promise<void> {
    await Promise.all(this.brokers.map((b) => b.close()));
  }

  // --- used by brokers ---

  /** @internal */
  lookupTopic(name: string): TopicState | undefined {
    return this.topics.get(name);
  }

  /** @internal */
  lookupTopicById(id: string): TopicState | undefined {
    for (const t of this.topics.values()) if (t.topicId === id) return t;
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------
// Broker

interface Frame {
  apiKey: number;
  version: number;
  correlationId: number;
  clientId: string | null;
  body: Reader;
  log: RequestLogEntry | null;
}

interface ConnState {
  id: number;
  socket: net.Socket;
  chunks: Buffer[];
  chunkBytes: number;
  queue: Frame[];
  busy: boolean;
  stalled: boolean;
  closed: boolean;
  outstandingProduce: number;
}

let nextConnectionId = 1;

export class FakeBroker {
  readonly nodeId: number;
  readonly host = '127.0.0.1';
  port = 0;
  readonly cluster: FakeCluster;
  /** Every request received, in order (empty for a null broker). */
  readonly requests: RequestLogEntry[] = [];
  /** Produce requests received and not yet answered (all connections), now and at most. */
  outstandingProduce = 0;
  maxOutstandingProduce = 0;
  /** Largest number of unanswered Produce requests seen on one connection. */
  maxOutstandingProducePerConnection = 0;
  /**
   * While true, the broker cannot be reached: a new connection is closed as soon as it is
   * accepted (open ones stay until dropConnections()). Connections accepted so far: `accepted`.
   */
  unreachable = false;
  accepted = 0;
  private readonly server: net.Server;
  private readonly conns = new Set<ConnState>();
  private produceHooks: ProduceHook[] = [];
  private requestHooks: RequestHook[] = [];
  private initHooks: InitProducerIdHook[] = [];
  private readonly apiCounts = new Map<number, number>();
  private nullOffsets = new Map<string, number>();
  private readonly out = new Writer(1024);

  private constructor(cluster: FakeCluster, nodeId: number) {
    this.cluster = cluster;
    this.nodeId = nodeId;
    this.server = net.createServer((socket) => this.accept(socket));
  }

  /** A single-broker cluster (node id 0 unless told otherwise). */
  static async start(opts: FakeClusterOptions & { nodeId?: number } = {}): Promise<FakeBroker> {
    const cluster = await FakeCluster.start({ ...opts, brokers: 1, nodeIdBase: opts.nodeId ?? opts.nodeIdBase ?? 0 });
    return cluster.brokers[0];
  }

  /** @internal Starts one broker of `cluster`. */
  static async listen(cluster: FakeCluster, nodeId: number): Promise<FakeBroker> {
    const b = new FakeBroker(cluster, nodeId);
    await new Promise<void>((resolve, reject) => {
      b.server.once('error', reject);
      b.server.listen(0, '127.0.0.1', () => {
        b.server.removeListener('error', reject);
        resolve();
      });
    });
    b.port = (b.server.address() as net.AddressInfo).port;
    return b;
  }

  get bootstrap(): string {
    return `${this.host}:${this.port}`;
  }

  /** Open client connections. */
  get connectionCount(): number {
    return this.conns.size;
  }

  // --- scripting (single-broker conveniences forward to the cluster) ---

  onProduce(hook: ProduceHook): this {
    this.produceHooks.push(hook);
    return this;
  }

  onRequest(hook: RequestHook): this {
    this.requestHooks.push(hook);
    return this;
  }

  onInitProducerId(hook: InitProducerIdHook): this {
    this.initHooks.push(hook);
    return this;
  }

  clearHooks(): void {
    this.produceHooks = [];
    this.requestHooks = [];
    this.initHooks = [];
  }

  /**
   * Holds every Produce request (and what follows it on its connection) until release().
   * Returns the release function.
   */
  holdProduce(): () => void {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let released = false;
    const hook: ProduceHook = () => (released ? undefined : { until: gate });
    this.onProduce(hook);
    return () => {
      released = true;
      this.produceHooks = this.produceHooks.filter((h) => h !== hook);
      release();
    };
  }

  failNext(topic: string, partition: number, errorCode: number, times = 1, extra: Omit<PartitionErrorSpec, 'errorCode'> = {}): void {
    this.cluster.failNext(topic, partition, errorCode, times, extra);
  }

  createTopic(name: string, spec: number | FakeTopicSpec): void {
    this.cluster.createTopic(name, spec);
  }

  records(topic: string, partition: number): StoredRecord[] {
    return this.cluster.records(topic, partition);
  }

  batches(topic: string, partition: number): StoredBatch[] {
    return this.cluster.batches(topic, partition);
  }

  /** Requests of one API from this broker's log. */
  requestsOf(api: 'Produce' | 'Metadata' | 'InitProducerId' | 'ApiVersions'): RequestLogEntry[] {
    return this.requests.filter((r) => r.api === api);
  }

  /** Closes every client connection (the clients see the broker hang up). */
  dropConnections(): void {
    for (const c of [...this.conns]) this.drop(c);
  }

  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // --- connection handling ---

  private accept(socket: net.Socket): void {
    this.accepted++;
    if (this.unreachable) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const c: ConnState = {
      id: nextConnectionId++,
      socket,
      chunks: [],
      chunkBytes: 0,
      queue: [],
      busy: false,
      stalled: false,
      closed: false,
      outstandingProduce: 0,
    };
    this.conns.add(c);
    socket.on('data', (chunk: Buffer) => this.onData(c, chunk));
    socket.on('error', () => this.drop(c));
    socket.on('close', () => this.drop(c));
  }

  private drop(c: ConnState): void {
    if (c.closed) return;
    c.closed = true;
    this.conns.delete(c);
    for (const f of c.queue) this.settleLog(c, f, 'dropped');
    c.queue = [];
    this.outstandingProduce -= c.outstandingProduce;
    c.outstandingProduce = 0;
    c.socket.destroy();
  }

  private onData(c: ConnState, chunk: Buffer): void {
    if (c.closed) return;
    c.chunks.push(chunk);
    c.chunkBytes += chunk.length;
    while (c.chunkBytes >= 4) {
      const all = c.chunks.length === 1 ? c.chunks[0] : Buffer.concat(c.chunks);
      c.chunks = [all];
      const size = all.readInt32BE(0);
      if (size < 8) {
        this.drop(c);
        return;
      }
      if (all.length < 4 + size) return;
      const frame = all.subarray(4, 4 + size);
      const rest = all.subarray(4 + size);
      c.chunks = rest.length > 0 ? [rest] : [];
      c.chunkBytes = rest.length;
      this.receive(c, frame);
      if (c.closed) return;
    }
  }

  private apiSpec(apiKey: number): ApiSpec | undefined {
    return APIS.find((a) => a.apiKey === apiKey);
  }

  private receive(c: ConnState, frame: Buffer): void {
    const r = new Reader(frame);
    const apiKey = r.readInt16('apiKey');
    const version = r.readInt16('apiVersion');
    const correlationId = r.readInt32('correlationId');
    const clientId = r.readNullableString('clientId');
    const spec = this.apiSpec(apiKey);
    if (spec && requestHeaderVersion(spec, version) >= 2) r.readTaggedFields('header.tags');
    let log: RequestLogEntry | null = null;
    if (!this.cluster.isNull) {
      log = {
        nodeId: this.nodeId,
        connectionId: c.id,
        apiKey,
        api: spec?.name ?? `api-${apiKey}`,
        version,
        correlationId,
        clientId,
        receivedAtMs: Date.now(),
        outcome: 'pending',
      };
      this.requests.push(log);
    }
    if (apiKey === PRODUCE_API.apiKey) {
      c.outstandingProduce++;
      this.outstandingProduce++;
      if (this.outstandingProduce > this.maxOutstandingProduce) this.maxOutstandingProduce = this.outstandingProduce;
      if (c.outstandingProduce > this.maxOutstandingProducePerConnection) this.maxOutstandingProducePerConnection = c.outstandingProduce;
    }
    c.queue.push({ apiKey, version, correlationId, clientId, body: r, log });
    this.pump(c);
  }

  /** Handles queued requests of a connection in order, one at a time. */
  private pump(c: ConnState): void {
    while (!c.busy && !c.stalled && !c.closed && c.queue.length > 0) {
      const f = c.queue.shift()!;
      const pending = this.handle(c, f);
      if (pending) {
        c.busy = true;
        pending.then(
          () => {
            c.busy = false;
            this.pump(c);
          },
          (err) => {
            c.busy = false;
            process.emitWarning(`FakeBroker: request handling failed: ${(err as Error)?.stack ?? err}`);
            this.drop(c);
          },
        );
      }
    }
  }

  /** An API this broker does not serve: hang up, as a broker does for an unknown key. */
  private hangUp(c: ConnState, f: Frame): void {
    this.settleLog(c, f, 'dropped');
    this.drop(c);
  }

  private settleLog(c: ConnState, f: Frame, outcome: RequestLogEntry['outcome']): void {
    if (f.apiKey === PRODUCE_API.apiKey && c.outstandingProduce > 0 && outcome !== 'no-response') {
      c.outstandingProduce--;
      this.outstandingProduce--;
    }
    if (f.log) f.log.outcome = outcome;
  }

  private context(c: ConnState, f: Frame): RequestContext {
    const index = this.apiCounts.get(f.apiKey) ?? 0;
    this.apiCounts.set(f.apiKey, index + 1);
    return {
      broker: this,
      connectionId: c.id,
      correlationId: f.correlationId,
      apiKey: f.apiKey,
      api: this.apiSpec(f.apiKey)?.name ?? `api-${f.apiKey}`,
      version: f.version,
      clientId: f.clientId,
      index,
    };
  }

  /** Handles one request; returns a promise when it must wait (delay, gate). */
  private handle(c: ConnState, f: Frame): Promise<void> | undefined {
    if (this.cluster.isNull && f.apiKey === PRODUCE_API.apiKey) {
      this.handleNullProduce(c, f);
      return undefined;
    }
    const ctx = this.context(c, f);
    let action: RequestAction = {};
    for (const h of this.requestHooks) action = { ...action, ...(h(ctx) ?? {}) };
    let produce: { body: ProduceRequestBody; action: ProduceAction } | null = null;
    let init: { req: { transactionalId: string | null; producerId: number; producerEpoch: number }; action: ReturnType<InitProducerIdHook> } | null = null;
    try {
      if (f.apiKey === PRODUCE_API.apiKey) {
        const body = this.decodeProduce(f.body, f.version);
        let pa: ProduceAction = {};
        for (const h of this.produceHooks) pa = { ...pa, ...(h(body, ctx) ?? {}) };
        produce = { body, action: pa };
        action = { ...action, ...pa };
      } else if (f.apiKey === INIT_PRODUCER_ID_API.apiKey) {
        const req = decodeInitProducerIdRequest(f.body, f.version);
        let ia: ReturnType<InitProducerIdHook> = {};
        for (const h of this.initHooks) ia = { ...ia, ...(h(req, ctx) ?? {}) };
        init = { req, action: ia };
        action = { ...action, ...(ia ?? {}) };
      }
    } catch (err) {
      process.emitWarning(`FakeBroker: cannot decode ${ctx.api} v${f.version}: ${(err as Error).message}`);
      this.settleLog(c, f, 'dropped');
      this.drop(c);
      return undefined;
    }
    const run = (): void => {
      if (c.closed) return;
      if (action.dropConnection) {
        this.settleLog(c, f, 'dropped');
        this.drop(c);
        return;
      }
      if (action.noResponse) {
        this.settleLog(c, f, 'no-response');
        c.stalled = true;
        return;
      }
      switch (f.apiKey) {
        case API_VERSIONS_API.apiKey:
          this.answerApiVersions(c, f);
          break;
        case METADATA_API.apiKey:
          this.answerMetadata(c, f);
          break;
        case INIT_PRODUCER_ID_API.apiKey:
          this.answerInitProducerId(c, f, init!.action ?? {});
          break;
        case PRODUCE_API.apiKey:
          this.answerProduce(c, f, produce!.body, produce!.action);
          break;
        case FIND_COORDINATOR_API.apiKey:
        case ADD_PARTITIONS_TO_TXN_API.apiKey:
        case END_TXN_API.apiKey:
          if (this.cluster.serveTransactions) this.answerTransactional(c, f);
          else this.hangUp(c, f);
          break;
        default:
          this.hangUp(c, f);
      }
    };
    if (action.until || (action.delayMs ?? 0) > 0) {
      const waits: Promise<unknown>[] = [];
      if (action.until) waits.push(action.until);
      if ((action.delayMs ?? 0) > 0) waits.push(new Promise((r) => setTimeout(r, action.delayMs)));
      return Promise.all(waits).then(run);
    }
    run();
    return undefined;
  }

  private send(c: ConnState, f: Frame, spec: ApiSpec, writeBody: (w: Writer) => void, mangle?: (frame: Buffer) => Buffer): void {
    const w = this.out.reset();
    const sizeAt = w.reserveInt32();
    w.writeInt32(f.correlationId);
    if (responseHeaderVersion(spec, f.version) >= 1) w.writeEmptyTaggedFields();
    writeBody(w);
    w.patchInt32(sizeAt, w.offset - 4);
    this.settleLog(c, f, 'answered');
    const frame = Buffer.from(w.view());
    if (!c.closed) c.socket.write(mangle ? mangle(frame) : frame);
  }

  // --- ApiVersions ---

  private answerApiVersions(c: ConnState, f: Frame): void {
    const range = this.cluster.apiVersions.get(API_VERSIONS_API.apiKey)!;
    let version = f.version;
    let errorCode: number = ErrorCode.NONE;
    if (version > range.maxVersion || version < range.minVersion) {
      // Unknown version: answer in v0 layout with our range, as Kafka does.
      version = 0;
      errorCode = ErrorCode.UNSUPPORTED_VERSION;
    }
    const flexible = version >= 3;
    const keys = [...this.cluster.apiVersions.entries()];
    this.send(c, { ...f, version }, API_VERSIONS_API, (w) => {
      w.writeInt16(errorCode);
      if (flexible) w.writeCompactArrayLength(keys.length);
      else w.writeArrayLength(keys.length);
      for (const [apiKey, r] of keys) {
        w.writeInt16(apiKey).writeInt16(r.minVersion).writeInt16(r.maxVersion);
        if (flexible) w.writeEmptyTaggedFields();
      }
      if (version >= 1) w.writeInt32(0);
      if (flexible) w.writeEmptyTaggedFields();
    });
  }

  // --- Metadata ---

  private answerMetadata(c: ConnState, f: Frame): void {
    const v = f.version;
    const req = decodeMetadataRequest(f.body, v);
    if (f.log) f.log.topics = req.topics;
    const flexible = v >= 9;
    const names = req.topics ?? [...this.cluster.topics.keys()];
    const topics: { name: string; state: TopicState | undefined; errorCode: number }[] = [];
    for (const name of names) {
      let state = this.cluster.lookupTopic(name);
      if (!state && this.cluster.autoCreateTopics > 0 && req.allowAutoTopicCreation) {
        this.cluster.createTopic(name, this.cluster.autoCreateTopics);
        state = this.cluster.lookupTopic(name);
      }
      const errorCode = !state ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : state.metadataErrorCode;
      topics.push({ name, state, errorCode });
    }
    const str = (w: Writer, s: string) => (flexible ? w.writeCompactString(s) : w.writeString(s));
    const nstr = (w: Writer, s: string | null) => (flexible ? w.writeCompactNullableString(s) : w.writeNullableString(s));
    const arr = (w: Writer, n: number) => (flexible ? w.writeCompactArrayLength(n) : w.writeArrayLength(n));
    const ints = (w: Writer, xs: number[]) => {
      arr(w, xs.length);
      for (const x of xs) w.writeInt32(x);
    };
    const brokers = this.cluster.brokers;
    this.send(c, f, METADATA_API, (w) => {
      if (v >= 3) w.writeInt32(0);
      arr(w, brokers.length);
      for (const b of brokers) {
        w.writeInt32(b.nodeId);
        str(w, b.host);
        w.writeInt32(b.port);
        if (v >= 1) nstr(w, null);
        if (flexible) w.writeEmptyTaggedFields();
      }
      if (v >= 2) nstr(w, this.cluster.clusterId);
      if (v >= 1) w.writeInt32(brokers[0]?.nodeId ?? -1);
      arr(w, topics.length);
      for (const t of topics) {
        w.writeInt16(t.errorCode);
        if (v >= 12) w.writeCompactNullableString(t.name);
        else str(w, t.name);
        if (v >= 10) w.writeUuid(t.state && t.errorCode === ErrorCode.NONE ? t.state.topicId : ZERO_UUID);
        if (v >= 1) w.writeBoolean(false);
        const parts = t.state && t.errorCode === ErrorCode.NONE ? t.state.partitions : [];
        arr(w, parts.length);
        for (const p of parts) {
          w.writeInt16(p.leader < 0 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE);
          w.writeInt32(p.index);
          w.writeInt32(p.leader);
          if (v >= 7) w.writeInt32(p.leaderEpoch);
          const replicas = p.leader < 0 ? [] : [p.leader];
          ints(w, replicas);
          ints(w, replicas);
          if (v >= 5) ints(w, []);
          if (flexible) w.writeEmptyTaggedFields();
        }
        if (v >= 8) w.writeInt32(AUTHORIZED_OPERATIONS_OMITTED);
        if (flexible) w.writeEmptyTaggedFields();
      }
      if (v >= 8 && v <= 10) w.writeInt32(AUTHORIZED_OPERATIONS_OMITTED);
      if (v >= 13) w.writeInt16(ErrorCode.NONE);
      if (flexible) w.writeEmptyTaggedFields();
    });
  }

  // --- Transactional APIs (the `transactions` option: minimal, stateless) ---

  private answerTransactional(c: ConnState, f: Frame): void {
    const r = f.body;
    const v = f.version;
    const flexible = v >= 3;
    const str = () => (flexible ? r.readCompactString('string') : r.readString('string'));
    if (f.apiKey === FIND_COORDINATOR_API.apiKey) {
      let keys: string[];
      if (v >= 4) {
        r.readInt8('keyType');
        const n = r.readCompactArrayLength('coordinatorKeys');
        keys = [];
        for (let i = 0; i < n; i++) keys.push(r.readCompactString('coordinatorKeys'));
      } else keys = [str()];
      this.send(c, f, FIND_COORDINATOR_API, (w) => {
        if (v >= 1) w.writeInt32(0);
        if (v >= 4) {
          w.writeCompactArrayLength(keys.length);
          for (const key of keys) {
            w.writeCompactString(key);
            w.writeInt32(this.nodeId);
            w.writeCompactString(this.host);
            w.writeInt32(this.port);
            w.writeInt16(ErrorCode.NONE);
            w.writeCompactNullableString(null);
            w.writeEmptyTaggedFields();
          }
        } else {
          w.writeInt16(ErrorCode.NONE);
          if (v >= 1) {
            if (flexible) w.writeCompactNullableString(null);
            else w.writeNullableString(null);
          }
          w.writeInt32(this.nodeId);
          if (flexible) w.writeCompactString(this.host);
          else w.writeString(this.host);
          w.writeInt32(this.port);
        }
        if (flexible) w.writeEmptyTaggedFields();
      });
    } else if (f.apiKey === ADD_PARTITIONS_TO_TXN_API.apiKey) {
      str(); // transactionalId
      r.readInt64('producerId');
      r.readInt16('producerEpoch');
      const nTopics = flexible ? r.readCompactArrayLength('topics') : r.readArrayLength('topics');
      const topics: { name: string; partitions: number[] }[] = [];
      for (let i = 0; i < nTopics; i++) {
        const name = str();
        const nParts = flexible ? r.readCompactArrayLength('partitions', 4) : r.readArrayLength('partitions', 4);
        const partitions: number[] = [];
        for (let j = 0; j < nParts; j++) partitions.push(r.readInt32('partition'));
        if (flexible) r.readTaggedFields('topics.taggedFields');
        topics.push({ name, partitions });
      }
      this.send(c, f, ADD_PARTITIONS_TO_TXN_API, (w) => {
        w.writeInt32(0);
        if (flexible) w.writeCompactArrayLength(topics.length);
        else w.writeArrayLength(topics.length);
        for (const t of topics) {
          if (flexible) w.writeCompactString(t.name);
          else w.writeString(t.name);
          if (flexible) w.writeCompactArrayLength(t.partitions.length);
          else w.writeArrayLength(t.partitions.length);
          for (const p of t.partitions) {
            w.writeInt32(p);
            w.writeInt16(ErrorCode.NONE);
            if (flexible) w.writeEmptyTaggedFields();
          }
          if (flexible) w.writeEmptyTaggedFields();
        }
        if (flexible) w.writeEmptyTaggedFields();
      });
    } else {
      str(); // transactionalId
      const producerId = r.readInt64('producerId');
      const producerEpoch = r.readInt16('producerEpoch');
      this.send(c, f, END_TXN_API, (w) => {
        w.writeInt32(0);
        w.writeInt16(ErrorCode.NONE);
        if (v >= 5) {
          // Transaction version 2 bumps the epoch at every end; never reached here (no feature advertised).
          w.writeInt64(producerId);
          w.writeInt16(producerEpoch + 1);
        }
        if (flexible) w.writeEmptyTaggedFields();
      });
    }
  }

  // --- InitProducerId ---

  private answerInitProducerId(
    c: ConnState,
    f: Frame,
    action: RequestAction & { errorCode?: number; producerId?: number; producerEpoch?: number },
  ): void {
    const errorCode = action.errorCode ?? ErrorCode.NONE;
    const producerId = errorCode !== ErrorCode.NONE ? -1 : (action.producerId ?? this.cluster.nextProducerId++);
    const producerEpoch = errorCode !== ErrorCode.NONE ? -1 : (action.producerEpoch ?? 0);
    if (f.log) f.log.producerId = producerId;
    this.send(c, f, INIT_PRODUCER_ID_API, (w) => {
      w.writeInt32(0);
      w.writeInt16(errorCode);
      w.writeInt64(producerId);
      w.writeInt16(producerEpoch);
      if (f.version >= 2) w.writeEmptyTaggedFields();
    });
  }

  // --- Produce ---

  private decodeProduce(r: Reader, v: number): ProduceRequestBody {
    const flexible = v >= 9;
    const transactionalId = flexible ? r.readCompactNullableString('transactionalId') : r.readNullableString('transactionalId');
    const acks = r.readInt16('acks');
    const timeoutMs = r.readInt32('timeoutMs');
    const nTopics = flexible ? r.readCompactArrayLength('topicData') : r.readArrayLength('topicData');
    const topics: ProduceTopicRequest[] = [];
    for (let i = 0; i < nTopics; i++) {
      let name = '';
      let topicId = ZERO_UUID;
      if (v >= 13) {
        topicId = r.readUuid('topicData.topicId');
        name = this.cluster.lookupTopicById(topicId)?.name ?? '';
      } else {
        name = flexible ? r.readCompactString('topicData.name') : r.readString('topicData.name');
        topicId = this.cluster.lookupTopic(name)?.topicId ?? ZERO_UUID;
      }
      const nParts = flexible ? r.readCompactArrayLength('partitionData') : r.readArrayLength('partitionData');
      const partitions: ProducePartitionRequest[] = [];
      for (let j = 0; j < nParts; j++) {
        const index = r.readInt32('partitionData.index');
        const raw = flexible ? r.readCompactNullableBytes('partitionData.records') : r.readNullableBytes('partitionData.records');
        if (flexible) r.readTaggedFields('partitionData.tags');
        let decoded: DecodedBatch[] | null = null;
        partitions.push({
          index,
          records: raw,
          get batches(): DecodedBatch[] {
            if (!decoded) decoded = raw ? decodeRecordBatches(raw) : [];
            return decoded;
          },
        });
      }
      if (flexible) r.readTaggedFields('topicData.tags');
      topics.push({ name, topicId, partitions });
    }
    if (flexible) r.readTaggedFields('tags');
    return { transactionalId, acks, timeoutMs, topics };
  }

  private answerProduce(c: ConnState, f: Frame, body: ProduceRequestBody, action: ProduceAction): void {
    const v = f.version;
    type Answer = { index: number } & Required<Pick<PartitionErrorSpec, 'errorCode'>> & PartitionErrorSpec & { baseOffset: number; logAppendTimeMs: number; logStartOffset: number };
    const answers: { t: ProduceTopicRequest; parts: Answer[] }[] = [];
    const endpoints = new Map<number, FakeBroker>();
    const logParts: RequestLogPartition[] = [];
    let totalBatches = 0;
    let totalRecords = 0;
    for (const t of body.topics) {
      const state = t.name ? this.cluster.lookupTopic(t.name) : undefined;
      const parts: Answer[] = [];
      for (const p of t.partitions) {
        const base = { index: p.index, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1 };
        // Log what came, whatever the answer.
        let batches: DecodedBatch[] = [];
        let corrupt = false;
        try {
          batches = p.batches;
        } catch {
          corrupt = true;
        }
        const first = batches[0];
        const records = batches.reduce((n, b) => n + b.recordsCount, 0);
        totalBatches += batches.length;
        totalRecords += records;
        logParts.push({
          topic: t.name,
          partition: p.index,
          batches: batches.length,
          records,
          producerId: first?.producerId ?? -1,
          producerEpoch: first?.producerEpoch ?? -1,
          baseSequence: first?.baseSequence ?? -1,
          bytes: p.records?.length ?? 0,
        });
        const ps = state?.partitions[p.index];
        if (!state || !ps) {
          parts.push({ ...base, errorCode: v >= 13 && !state ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
          continue;
        }
        const scriptedByHook = action.errors?.find((e) => e.topic === t.name && e.partition === p.index);
        if (scriptedByHook) {
          parts.push({ ...base, ...scriptedByHook, index: p.index, baseOffset: scriptedByHook.baseOffset ?? -1 });
          continue;
        }
        if (action.errorCode !== undefined && action.errorCode !== ErrorCode.NONE) {
          parts.push({ ...base, errorCode: action.errorCode });
          continue;
        }
        if (ps.leader !== this.nodeId) {
          const leader = this.cluster.brokers.find((b) => b.nodeId === ps.leader);
          if (leader) endpoints.set(leader.nodeId, leader);
          parts.push({ ...base, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, currentLeader: { leaderId: ps.leader, leaderEpoch: ps.leaderEpoch } });
          continue;
        }
        const scripted = ps.scripted.shift();
        if (scripted) {
          parts.push({ ...base, ...scripted, index: p.index, baseOffset: scripted.baseOffset ?? -1 });
          continue;
        }
        if (corrupt || batches.length === 0 || batches.some((b) => !b.crcValid)) {
          parts.push({ ...base, errorCode: ErrorCode.CORRUPT_MESSAGE });
          continue;
        }
        if (batches.some((b) => b.sizeInBytes > state.maxMessageBytes)) {
          parts.push({ ...base, errorCode: ErrorCode.MESSAGE_TOO_LARGE });
          continue;
        }
        parts.push({ ...base, ...this.append(state, ps, batches, f.correlationId) });
      }
      answers.push({ t, parts });
    }
    if (f.log) {
      f.log.acks = body.acks;
      f.log.batches = totalBatches;
      f.log.records = totalRecords;
      f.log.partitions = logParts;
      f.log.errors = answers.flatMap((a) => a.parts.map((p) => ({ topic: a.t.name, partition: p.index, errorCode: p.errorCode, baseOffset: p.baseOffset })));
    }
    if (action.dropAfterAppend) {
      this.settleLog(c, f, 'dropped');
      this.drop(c);
      return;
    }
    if (body.acks === 0) {
      this.settleLog(c, f, 'acks0');
      return;
    }
    const flexible = v >= 9;
    this.send(c, f, PRODUCE_API, (w) => {
      if (flexible) w.writeCompactArrayLength(answers.length);
      else w.writeArrayLength(answers.length);
      for (const { t, parts } of answers) {
        if (v >= 13) w.writeUuid(t.topicId);
        else if (flexible) w.writeCompactString(t.name);
        else w.writeString(t.name);
        if (flexible) w.writeCompactArrayLength(parts.length);
        else w.writeArrayLength(parts.length);
        for (const p of parts) {
          w.writeInt32(p.index);
          w.writeInt16(p.errorCode);
          w.writeInt64(p.baseOffset);
          w.writeInt64(p.logAppendTimeMs);
          if (v >= 5) w.writeInt64(p.logStartOffset);
          if (v >= 8) {
            const recErrors = p.recordErrors ?? [];
            if (flexible) w.writeCompactArrayLength(recErrors.length);
            else w.writeArrayLength(recErrors.length);
            for (const e of recErrors) {
              w.writeInt32(e.batchIndex);
              if (flexible) {
                w.writeCompactNullableString(e.message);
                w.writeEmptyTaggedFields();
              } else w.writeNullableString(e.message);
            }
            if (flexible) w.writeCompactNullableString(p.errorMessage ?? null);
            else w.writeNullableString(p.errorMessage ?? null);
          }
          if (flexible) {
            const leader = p.currentLeader;
            if (v >= 10 && leader) {
              w.writeTaggedFields([
                [
                  0,
                  (tw: Writer) => {
                    tw.writeInt32(leader.leaderId);
                    tw.writeInt32(leader.leaderEpoch);
                    tw.writeEmptyTaggedFields();
                  },
                ],
              ]);
            } else w.writeEmptyTaggedFields();
          }
        }
        if (flexible) w.writeEmptyTaggedFields();
      }
      w.writeInt32(action.throttleTimeMs ?? 0);
      if (flexible) {
        if (v >= 10 && endpoints.size > 0) {
          w.writeTaggedFields([
            [
              0,
              (tw: Writer) => {
                tw.writeCompactArrayLength(endpoints.size);
                for (const b of endpoints.values()) {
                  tw.writeInt32(b.nodeId);
                  tw.writeCompactString(b.host);
                  tw.writeInt32(b.port);
                  tw.writeCompactNullableString(null);
                  tw.writeEmptyTaggedFields();
                }
              },
            ],
          ]);
        } else w.writeEmptyTaggedFields();
      }
    }, action.mangleResponse);
  }

  /** Appends the batches of one partition, with the broker's idempotence checks. */
  private append(
    topic: TopicState,
    ps: PartitionState,
    batches: DecodedBatch[],
    correlationId: number,
  ): { errorCode: number; baseOffset: number; logAppendTimeMs: number; logStartOffset: number } {
    // Check every batch first: a request's batches for one partition go in all or nothing.
    for (const b of batches) {
      if (b.producerId < 0) continue;
      const e = ps.producers.get(b.producerId);
      const lastSeq = b.baseSequence + b.recordsCount - 1;
      if (e) {
        if (b.producerEpoch < e.epoch) return { errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: 0 };
        if (b.producerEpoch === e.epoch) {
          const dup = e.recent.find((x) => x.firstSeq === b.baseSequence && x.lastSeq === lastSeq);
          if (dup) {
            if (this.cluster.duplicateMode === 'original-offset') return { errorCode: ErrorCode.NONE, baseOffset: dup.baseOffset, logAppendTimeMs: -1, logStartOffset: 0 };
            return { errorCode: ErrorCode.DUPLICATE_SEQUENCE_NUMBER, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: 0 };
          }
          if (b.baseSequence !== nextSequence(e.lastSequence)) {
            return { errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: 0 };
          }
        } else if (b.baseSequence !== 0) {
          // A new epoch must start at sequence 0.
          return { errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: 0 };
        }
      } else if (b.baseSequence !== 0 && this.cluster.unknownProducerMode !== 'accept') {
        // No state for this producer (never seen, or forgotten).
        const errorCode = this.cluster.unknownProducerMode === 'unknown-producer-id' ? ErrorCode.UNKNOWN_PRODUCER_ID : ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER;
        return { errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: 0 };
      }
    }
    const baseOffset = ps.nextOffset;
    const logAppendTimeMs = topic.logAppendTime ? Date.now() : -1;
    for (const b of batches) {
      const first = ps.nextOffset;
      const records: StoredRecord[] = b.records.map((r: DecodedRecord) => ({
        offset: first + r.offsetDelta,
        timestamp: r.timestamp,
        key: r.key,
        value: r.value,
        headers: r.headers,
        keyString: r.key ? r.key.toString('utf8') : null,
        valueString: r.value ? r.value.toString('utf8') : null,
      }));
      ps.batches.push({
        baseOffset: first,
        producerId: b.producerId,
        producerEpoch: b.producerEpoch,
        baseSequence: b.baseSequence,
        recordsCount: b.recordsCount,
        compression: b.compression,
        isTransactional: b.isTransactional,
        records,
        nodeId: this.nodeId,
        correlationId,
      });
      ps.nextOffset = first + b.lastOffsetDelta + 1;
      if (b.producerId >= 0) {
        let e = ps.producers.get(b.producerId);
        if (!e || e.epoch !== b.producerEpoch) {
          e = { epoch: b.producerEpoch, lastSequence: -1, recent: [] };
          ps.producers.set(b.producerId, e);
        }
        e.lastSequence = b.baseSequence + b.recordsCount - 1;
        e.recent.push({ firstSeq: b.baseSequence, lastSeq: e.lastSequence, baseOffset: first });
        if (e.recent.length > 5) e.recent.shift();
      }
    }
    return { errorCode: ErrorCode.NONE, baseOffset, logAppendTimeMs, logStartOffset: 0 };
  }

  /** Null broker: answers at once, stores nothing (offsets still advance per partition). */
  private handleNullProduce(c: ConnState, f: Frame): void {
    const v = f.version;
    const r = f.body;
    const flexible = v >= 9;
    if (flexible) r.readCompactNullableString('transactionalId');
    else r.readNullableString('transactionalId');
    const acks = r.readInt16('acks');
    r.readInt32('timeoutMs');
    const nTopics = flexible ? r.readCompactArrayLength('topicData') : r.readArrayLength('topicData');
    const answers: { name: string; topicId: string; parts: { index: number; baseOffset: number }[] }[] = [];
    for (let i = 0; i < nTopics; i++) {
      let name = '';
      let topicId = ZERO_UUID;
      if (v >= 13) topicId = r.readUuid('topicId');
      else name = flexible ? r.readCompactString('name') : r.readString('name');
      const nParts = flexible ? r.readCompactArrayLength('partitionData') : r.readArrayLength('partitionData');
      const parts: { index: number; baseOffset: number }[] = [];
      for (let j = 0; j < nParts; j++) {
        const index = r.readInt32('index');
        const len = flexible ? r.readUnsignedVarint('records') - 1 : r.readInt32('records');
        let count = 0;
        if (len > 0) {
          const start = r.offset;
          // Walk the batches by their lengths; recordsCount sits at byte 57 of each.
          for (let at = start; at + 61 <= start + len; ) {
            count += r.buf.readInt32BE(at + 57);
            at += 12 + r.buf.readInt32BE(at + 8);
          }
          r.skip(len, 'records');
        }
        if (flexible) r.readTaggedFields('partition.tags');
        const key = `${name || topicId}\u0000${index}`;
        const baseOffset = this.nullOffsets.get(key) ?? 0;
        this.nullOffsets.set(key, baseOffset + count);
        parts.push({ index, baseOffset });
      }
      if (flexible) r.readTaggedFields('topic.tags');
      answers.push({ name, topicId, parts });
    }
    if (acks === 0) {
      this.settleLog(c, f, 'acks0');
      return;
    }
    this.send(c, f, PRODUCE_API, (w) => {
      if (flexible) w.writeCompactArrayLength(answers.length);
      else w.writeArrayLength(answers.length);
      for (const a of answers) {
        if (v >= 13) w.writeUuid(a.topicId);
        else if (flexible) w.writeCompactString(a.name);
        else w.writeString(a.name);
        if (flexible) w.writeCompactArrayLength(a.parts.length);
        else w.writeArrayLength(a.parts.length);
        for (const p of a.parts) {
          w.writeInt32(p.index).writeInt16(ErrorCode.NONE).writeInt64(p.baseOffset).writeInt64(-1);
          if (v >= 5) w.writeInt64(0);
          if (v >= 8) {
            if (flexible) w.writeCompactArrayLength(0).writeCompactNullableString(null);
            else w.writeArrayLength(0).writeNullableString(null);
          }
          if (flexible) w.writeEmptyTaggedFields();
        }
        if (flexible) w.writeEmptyTaggedFields();
      }
      w.writeInt32(0);
      if (flexible) w.writeEmptyTaggedFields();
    });
  }
}

function nextSequence(seq: number): number {
  return seq === 0x7fffffff ? 0 : seq + 1;
}

// ---------------------------------------------------------------------------------------
// Request decoders (the broker's side)

export function decodeMetadataRequest(r: Reader, v: number): { topics: string[] | null; allowAutoTopicCreation: boolean } {
  const flexible = v >= 9;
  const n = flexible ? r.readCompactNullableArrayLength('topics') : r.readNullableArrayLength('topics');
  let topics: string[] | null = null;
  if (n !== null) {
    topics = [];
    for (let i = 0; i < n; i++) {
      if (v >= 10) r.readUuid('topics.topicId');
      const name = flexible ? r.readCompactNullableString('topics.name') : r.readString('topics.name');
      if (flexible) r.readTaggedFields('topics.tags');
      if (name !== null) topics.push(name);
    }
  }
  const allowAutoTopicCreation = v >= 4 ? r.readBoolean('allowAutoTopicCreation') : true;
  if (v >= 8 && v <= 10) r.readBoolean('includeClusterAuthorizedOperations');
  if (v >= 8) r.readBoolean('includeTopicAuthorizedOperations');
  if (flexible) r.readTaggedFields('tags');
  return { topics, allowAutoTopicCreation };
}

export function decodeInitProducerIdRequest(r: Reader, v: number): { transactionalId: string | null; producerId: number; producerEpoch: number } {
  const flexible = v >= 2;
  const transactionalId = flexible ? r.readCompactNullableString('transactionalId') : r.readNullableString('transactionalId');
  r.readInt32('transactionTimeoutMs');
  let producerId = -1;
  let producerEpoch = -1;
  if (v >= 3) {
    producerId = r.readInt64('producerId');
    producerEpoch = r.readInt16('producerEpoch');
  }
  if (flexible) r.readTaggedFields('tags');
  return { transactionalId, producerId, producerEpoch };
}

// ---------------------------------------------------------------------------------------
// Outcome bookkeeping for producer tests


export interface Outcome {
  label: string;
  calls: number;
  err: Error | null;
  md: RecordMetadata | null;
}

/**
 * Counts what each record's callback (or promise) got, to check that every accepted record
 * ends with exactly one outcome.
 */
export class Outcomes {
  readonly all: Outcome[] = [];

  /** A send() callback for one record. */
  cb(label = `#${this.all.length}`): SendCallback {
    const o: Outcome = { label, calls: 0, err: null, md: null };
    this.all.push(o);
    return (err, md) => {
      o.calls++;
      if (o.calls === 1) {
        o.err = err;
        o.md = md;
      }
    };
  }

  /** Tracks a send() promise as one record. */
  track(p: Promise<RecordMetadata>, label = `#${this.all.length}`): void {
    const o: Outcome = { label, calls: 0, err: null, md: null };
    this.all.push(o);
    p.then(
      (md) => {
        o.calls++;
        o.md = md;
      },
      (err: Error) => {
        o.calls++;
        o.err = err;
      },
    );
  }

  get count(): number {
    return this.all.length;
  }

  /** Records with at least one outcome. */
  get settled(): number {
    return this.all.filter((o) => o.calls > 0).length;
  }

  get allSettled(): boolean {
    return this.all.every((o) => o.calls > 0);
  }

  /** Records whose callback ran more than once (must stay 0). */
  get duplicates(): Outcome[] {
    return this.all.filter((o) => o.calls > 1);
  }

  get succeeded(): Outcome[] {
    return this.all.filter((o) => o.calls > 0 && o.err === null);
  }

  get failed(): Outcome[] {
    return this.all.filter((o) => o.calls > 0 && o.err !== null);
  }

  /** Throws unless every record has exactly one outcome. */
  expectExactlyOnce(): void {
    const missing = this.all.filter((o) => o.calls === 0).map((o) => o.label);
    const twice = this.duplicates.map((o) => `${o.label} x${o.calls}`);
    if (missing.length > 0 || twice.length > 0) {
      throw new Error(`records without exactly one outcome: missing [${missing.join(', ')}], repeated [${twice.join(', ')}]`);
    }
  }
}
