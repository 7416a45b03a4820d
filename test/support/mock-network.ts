/**
 * MockNetwork: an in-memory network and a scripted Kafka cluster, for unit tests of the
 * sender on virtual time (the Java client's MockClient and MockTime, one level lower: the
 * producer's own Connection still frames, correlates and negotiates versions, and only the
 * byte stream under it is replaced).
 *
 * - The producer gets `connect` (a TransportFactory) and a VirtualClock through
 *   ProducerInternals. Every connection is a MockTransport: bytes written by the client are
 *   decoded here with the protocol layer (and the broker-side request decoders of
 *   fake-broker.ts), answered by the scripted cluster, and handed back as 'data' events.
 * - Answers are delivered on the clock: at once (a microtask, at the current virtual time),
 *   or at a virtual time the test chose. Nothing here opens a socket or waits for real time:
 *   a test drives everything with VirtualClock.run/settle/advanceUntil.
 * - By default the cluster answers as a broker would: ApiVersions (a narrow range of each API
 *   whose newest version the client then uses), Metadata from the cluster view (leaders move
 *   with setLeader), InitProducerId with a counter, Produce by appending (with
 *   NOT_LEADER_OR_FOLLOWER for a partition this node does not lead; sequences are not
 *   checked, the fake broker does that). prepare() queues a different answer for the next
 *   request of one API on one node: an error, a delay, no answer at all, a hang-up.
 * - Transactions: one node (the `coordinator` option, default the first) answers
 *   FindCoordinator for every key; InitProducerId with a transactional id keeps one producer
 *   id per transactional id and raises its epoch on each later call; AddPartitionsToTxn,
 *   AddOffsetsToTxn, TxnOffsetCommit and EndTxn succeed unless scripted, and EndTxn v5 returns
 *   the next epoch. `transactionVersion` advertises the finalized feature transaction.version
 *   in ApiVersions (none by default: the classic protocol). Produce is spoken from v9, so a
 *   client that caps it (v11 for the classic protocol) is heard; the log says at which
 *   version each request came and whether each produced partition was in the transaction.
 * - disconnect() closes a node's connections; refuseConnections() makes it unreachable.
 * - The request log (requests, requestsOf) and connection attempts (connects) say what the
 *   producer did and when, in virtual ms.
 *
 * Answers on one connection are delivered in request order, as a broker does: an answer
 * held back (a delay, no answer) holds back the ones behind it on the same connection.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';

import type { Transport, TransportFactory, TransportTarget } from '../../src/net/connection';
import {
  ADD_OFFSETS_TO_TXN_API,
  ADD_PARTITIONS_TO_TXN_API,
  API_VERSIONS_API,
  ApiSpec,
  END_TXN_API,
  FIND_COORDINATOR_API,
  INIT_PRODUCER_ID_API,
  METADATA_API,
  PRODUCE_API,
  requestHeaderVersion,
  responseHeaderVersion,
  SASL_AUTHENTICATE_API,
  SASL_HANDSHAKE_API,
  TXN_OFFSET_COMMIT_API,
} from '../../src/protocol/api-keys';
import { ErrorCode } from '../../src/protocol/errors';
import { Reader } from '../../src/protocol/reader';
import { DecodedBatch, decodeRecordBatches } from '../../src/protocol/records/record-batch-reader';
import { Writer } from '../../src/protocol/writer';
import { decodeInitProducerIdRequest, decodeMetadataRequest } from './fake-broker';
import { FakeClock } from './fake-clock';

export { ErrorCode };

// ---------------------------------------------------------------------------------------
// Virtual time

/** More deferred passes than this in one turn means a loop that never settles. */
const MAX_DEFERS_PER_TURN = 10_000;

/**
 * A FakeClock whose defer() is a microtask, so a sender pass, the network's answers and the
 * promise chains between them all run within one macrotask turn: settle() is one turn, and
 * run(ms) fires each due timer and settles after it, so every answer and retry happens at
 * the virtual time it belongs to.
 */
export class VirtualClock extends FakeClock {
  private defersThisTurn = 0;
  private runaway = false;

  override defer(fn: () => void): void {
    this.deferCount++;
    if (++this.defersThisTurn > MAX_DEFERS_PER_TURN) {
      // A microtask loop would block the process for good: stop it and fail the test.
      this.runaway = true;
      return;
    }
    queueMicrotask(fn);
  }

  override async tick(turns = 1): Promise<void> {
    for (let i = 0; i < turns; i++) {
      this.defersThisTurn = 0;
      await super.tick(1);
      if (this.runaway) throw new Error(`VirtualClock: more than ${MAX_DEFERS_PER_TURN} deferred passes in one turn (a loop that never settles)`);
    }
  }

  /** Runs everything due at the current virtual time. */
  async settle(): Promise<void> {
    await this.tick(1);
  }

  /** Moves virtual time forward by `ms`, settling after each timer that fires. */
  async run(ms: number): Promise<void> {
    await this.advanceAndSettle(ms, 1);
  }

  /**
   * Settles, then jumps from timer to timer until `cond()` holds; throws when no timer is
   * left or `maxMs` of virtual time have passed.
   */
  async advanceUntil(cond: () => boolean, opts: { maxMs?: number; what?: string } = {}): Promise<void> {
    const limit = this.now() + (opts.maxMs ?? 600_000);
    await this.settle();
    while (!cond()) {
      const next = this.nextTimerDelayMs();
      if (next === null) throw new Error(`VirtualClock.advanceUntil: ${opts.what ?? 'condition'} not reached and nothing is scheduled`);
      if (this.now() + next > limit) throw new Error(`VirtualClock.advanceUntil: ${opts.what ?? 'condition'} not reached within ${opts.maxMs ?? 600_000} virtual ms`);
      await this.run(next);
    }
  }
}

// ---------------------------------------------------------------------------------------
// Scripting and logging types

export type ApiName =
  | 'ApiVersions'
  | 'Metadata'
  | 'InitProducerId'
  | 'Produce'
  | 'FindCoordinator'
  | 'AddPartitionsToTxn'
  | 'AddOffsetsToTxn'
  | 'EndTxn'
  | 'TxnOffsetCommit'
  | 'SaslHandshake'
  | 'SaslAuthenticate';

/**
 * How to answer one request, queued with prepare(); an empty answer is the default one. The
 * request is handled when it arrives (a Produce is appended then); atMs/delayMs hold back
 * only its answer.
 */
export interface ScriptedAnswer {
  /**
   * Produce: every partition of the request gets this error and nothing is appended.
   * InitProducerId: the answer's error code. Metadata: the top-level error code.
   * FindCoordinator: the coordinator's error code. AddPartitionsToTxn, TxnOffsetCommit: every
   * partition's error code (nothing is added). AddOffsetsToTxn, EndTxn: the error code (the
   * transaction is left as it was).
   */
  errorCode?: number;
  /** Deliver the answer at this virtual time (clock.now() units). */
  atMs?: number;
  /** Deliver the answer this many virtual ms after the request arrived. */
  delayMs?: number;
  /**
   * Swallow the request: not handled (nothing appended), never answered; it stays in flight
   * until its timeout or a disconnect.
   */
  noResponse?: boolean;
  /** Close the connection instead of handling the request (at atMs/delayMs if given). */
  disconnect?: boolean;
  /**
   * Runs when the request has been handled (its log entry filled in), before its answer is
   * queued: a test's hook to change the cluster at that moment (move the coordinator, say).
   */
  onRequest?: (log: LoggedRequest) => void;
}

export interface LoggedPartition {
  topic: string;
  partition: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  records: number;
  values: (string | null)[];
  /** Each record's headers, values as UTF-8 text (null stays null). */
  headers: { key: string; value: string | null }[][];
  /** The batches carry the transactional flag. */
  isTransactional: boolean;
  /**
   * A transactional Produce: the partition was in the transaction when the request arrived
   * (added by AddPartitionsToTxn, or by this request itself from Produce v12 on).
   */
  inTransaction?: boolean;
}

/** What a transactional request (or InitProducerId) asked, and what was answered. */
export interface LoggedTxn {
  transactionalId: string | null;
  /** The request's producer id and epoch (InitProducerId: -1 for a new id, else an epoch bump). */
  producerId: number;
  producerEpoch: number;
  /** AddPartitionsToTxn: the partitions; TxnOffsetCommit: the partitions and offsets. */
  partitions?: { topic: string; partition: number; offset?: number }[];
  /** EndTxn: commit (true) or abort (false). */
  committed?: boolean;
  /** AddOffsetsToTxn, TxnOffsetCommit: the group. */
  groupId?: string;
  /** The error code answered (for every partition, for per-partition answers). */
  errorCode?: number;
  /** InitProducerId, EndTxn v5: the producer id and epoch answered. */
  answeredProducerId?: number;
  answeredProducerEpoch?: number;
}

export interface LoggedRequest {
  nodeId: number;
  connectionId: number;
  api: ApiName;
  version: number;
  correlationId: number;
  /** Virtual time of arrival. */
  atMs: number;
  /** Metadata: topics asked for (null: all). */
  topics?: string[] | null;
  /** Produce: the transactional id of the request. */
  transactionalId?: string | null;
  /** FindCoordinator: key type (0 group, 1 transaction) and keys. */
  coordinatorKeyType?: number;
  coordinatorKeys?: string[];
  /** InitProducerId and the transactional APIs. */
  txn?: LoggedTxn;
  /** Produce: what came, per partition. */
  partitions?: LoggedPartition[];
  /** Produce: the error code answered per partition, in request order. */
  errors?: number[];
  outcome: 'pending' | 'answered' | 'no-response' | 'disconnected';
  answeredAtMs?: number;
}

export interface ConnectAttempt {
  nodeId: number;
  atMs: number;
  refused: boolean;
}

export interface StoredRecord {
  offset: number;
  value: string | null;
  producerId: number;
  baseSequence: number;
}

export interface MockTopicSpec {
  partitions: number;
  /** Leader node per partition; default: the nodes round-robin. */
  leaders?: number[];
}

export interface MockNetworkOptions {
  /** Node ids; default [0]. */
  nodes?: number[];
  topics?: Record<string, number | MockTopicSpec>;
  /** First producer id InitProducerId hands out; default 1000. */
  firstProducerId?: number;
  /** The node FindCoordinator names (transactions and groups); default the first node. */
  coordinator?: number;
  /**
   * Advertise the finalized feature transaction.version at this level in ApiVersions (2:
   * KIP-890's protocol). Unset: no finalized features (a cluster on the classic protocol).
   */
  transactionVersion?: number;
  /**
   * Require SASL on every connection (SaslHandshake v1, then one SaslAuthenticate): any other
   * request before it, or after the session ended (sessionLifetimeMs), makes the node hang up,
   * as a broker does (KIP-368). A re-authentication (SaslHandshake on an authenticated
   * connection) renews the session.
   */
  sasl?: MockSasl;
}

export interface MockSasl {
  mechanisms: string[];
  /** The lifetime answered in SaslAuthenticate v1+ and enforced; 0 or unset: sessions do not end. */
  sessionLifetimeMs?: number;
  /**
   * Judges the client's one message; returns null to accept, or a message to refuse with
   * SASL_AUTHENTICATION_FAILED. Default: accept.
   */
  check?: (mechanism: string, authBytes: Buffer, connectionId: number) => string | null;
}

/** The coordinator's view of one transactional id. */
export interface MockTransaction {
  producerId: number;
  producerEpoch: number;
  /** "topic-partition" keys in the open transaction. */
  partitions: Set<string>;
  /** Groups whose offsets are in the open transaction. */
  groups: Set<string>;
  /** Ended transactions, in order. */
  ended: { committed: boolean; partitions: string[]; producerEpoch: number }[];
}

interface PartitionState {
  leader: number;
  leaderEpoch: number;
  log: StoredRecord[];
}

interface TopicState {
  name: string;
  topicId: string;
  partitions: PartitionState[];
}

interface Outgoing {
  log: LoggedRequest;
  /** The response frame; null for no answer (holds the connection) or a hang-up. */
  frame: Buffer | null;
  disconnect: boolean;
  dueMs: number;
}

const NO_ANSWER_MS = Infinity;

interface Spoken {
  spec: ApiSpec;
  minVersion: number;
}

/**
 * The APIs the scripted cluster speaks, each from `minVersion` to the client's newest (which
 * the client then uses): only flexible versions, so the codecs here stay few. Produce goes
 * down to v9 for a client that caps it (v11 on the classic transaction protocol), EndTxn and
 * TxnOffsetCommit to v3.
 */
const SPOKEN: readonly Spoken[] = [
  { spec: PRODUCE_API, minVersion: 9 },
  { spec: METADATA_API, minVersion: METADATA_API.maxVersion },
  { spec: API_VERSIONS_API, minVersion: API_VERSIONS_API.maxVersion },
  { spec: INIT_PRODUCER_ID_API, minVersion: INIT_PRODUCER_ID_API.maxVersion },
  { spec: FIND_COORDINATOR_API, minVersion: 4 },
  { spec: ADD_PARTITIONS_TO_TXN_API, minVersion: 3 },
  { spec: ADD_OFFSETS_TO_TXN_API, minVersion: 3 },
  { spec: END_TXN_API, minVersion: 3 },
  { spec: TXN_OFFSET_COMMIT_API, minVersion: 3 },
  { spec: SASL_HANDSHAKE_API, minVersion: 1 },
  { spec: SASL_AUTHENTICATE_API, minVersion: SASL_AUTHENTICATE_API.maxVersion },
];

function spokenFor(apiKey: number): Spoken | null {
  return SPOKEN.find((a) => a.spec.apiKey === apiKey) ?? null;
}

const tpKey = (topic: string, partition: number) => `${topic}-${partition}`;

/** A stable topic id per name (base64url of 16 bytes, never the zero id). */
function topicIdFor(name: string): string {
  return createHash('md5').update(`topic:${name}`).digest().toString('base64url');
}

// ---------------------------------------------------------------------------------------
// The transport

let nextConnectionId = 1;

/** One client connection: the client's Transport, with the broker's side behind it. */
export class MockTransport extends EventEmitter implements Transport {
  readonly id = nextConnectionId++;
  closed = false;
  /** SASL (MockNetworkOptions.sasl): the mechanism of the handshake, and when the session ends (-1: not authenticated). */
  saslMechanism: string | null = null;
  sessionEndsAtMs = -1;
  /** Successful authentications on this connection (the first one and each re-authentication). */
  authentications = 0;
  private inbound: Buffer = Buffer.alloc(0);
  private readonly outgoing: Outgoing[] = [];
  private wakeAtMs = Infinity;

  constructor(
    private readonly network: MockNetwork,
    readonly nodeId: number,
  ) {
    super();
  }

  write(data: Uint8Array, cb?: (err?: Error | null) => void): boolean {
    if (this.closed) {
      if (cb) queueMicrotask(() => cb(new Error('write after close')));
      return false;
    }
    this.inbound = Buffer.concat([this.inbound, data]);
    while (this.inbound.length >= 4) {
      const size = this.inbound.readInt32BE(0);
      if (this.inbound.length < 4 + size) break;
      const frame = this.inbound.subarray(4, 4 + size);
      this.inbound = this.inbound.subarray(4 + size);
      this.network.receive(this, frame);
      if (this.closed) break;
    }
    if (cb) queueMicrotask(() => cb());
    return true;
  }

  cork(): void {}
  uncork(): void {}
  setNoDelay(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }

  /** The client closes the connection. */
  destroy(): this {
    this.shut(null);
    return this;
  }

  /** @internal Queues an answer (or a hang-up) behind those already queued. */
  enqueue(o: Outgoing): void {
    this.outgoing.push(o);
    queueMicrotask(() => this.pump());
  }

  /** @internal Fails the connection: `err` as an 'error' event (a refused connect), then 'close'. */
  shut(err: Error | null): void {
    if (this.closed) return;
    this.closed = true;
    for (const o of this.outgoing.splice(0)) if (o.log.outcome === 'pending' || o.log.outcome === 'no-response') o.log.outcome = 'disconnected';
    this.network.forget(this);
    // A socket reports its end after the current work, never inside the caller's call.
    queueMicrotask(() => {
      if (err && this.listenerCount('error') > 0) this.emit('error', err);
      this.emit('close');
    });
  }

  /** Delivers the answers that are due, in order; arms a virtual timer for the next one. */
  private pump(): void {
    const clock = this.network.clock;
    while (!this.closed && this.outgoing.length > 0) {
      const head = this.outgoing[0];
      if (head.dueMs > clock.now()) {
        if (Number.isFinite(head.dueMs) && head.dueMs < this.wakeAtMs) {
          this.wakeAtMs = head.dueMs;
          clock.setTimeout(() => {
            this.wakeAtMs = Infinity;
            this.pump();
          }, head.dueMs - clock.now());
        }
        return;
      }
      this.outgoing.shift();
      if (head.disconnect) {
        head.log.outcome = 'disconnected';
        this.shut(null);
        return;
      }
      head.log.outcome = 'answered';
      head.log.answeredAtMs = clock.now();
      this.emit('data', head.frame!);
    }
  }
}

// ---------------------------------------------------------------------------------------
// The scripted cluster

export class MockNetwork {
  readonly clusterId = 'mock-cluster';
  readonly nodes: readonly number[];
  readonly requests: LoggedRequest[] = [];
  readonly connects: ConnectAttempt[] = [];
  private readonly topics = new Map<string, TopicState>();
  private readonly scripted = new Map<string, ScriptedAnswer[]>();
  private readonly refusing = new Set<number>();
  private readonly open = new Set<MockTransport>();
  private nextProducerId: number;
  /** The coordinator's state per transactional id. */
  readonly transactions = new Map<string, MockTransaction>();
  /** The node FindCoordinator names; a test may move it. */
  coordinator: number;
  private transactionVersion: number | undefined;
  private featuresEpoch = 1;
  private readonly sasl: MockSasl | null;

  constructor(
    readonly clock: VirtualClock,
    opts: MockNetworkOptions = {},
  ) {
    this.nodes = opts.nodes ?? [0];
    this.nextProducerId = opts.firstProducerId ?? 1000;
    this.coordinator = opts.coordinator ?? this.nodes[0];
    this.transactionVersion = opts.transactionVersion;
    this.sasl = opts.sasl ?? null;
    for (const [name, spec] of Object.entries(opts.topics ?? {})) this.createTopic(name, spec);
  }

  /** The TransportFactory to pass as ProducerInternals.connect. */
  readonly connect: TransportFactory = (target: TransportTarget, onConnect: () => void): Transport => {
    const nodeId = this.nodeAt(target.host, target.port);
    const refused = nodeId === null || this.refusing.has(nodeId);
    this.connects.push({ nodeId: nodeId ?? -1, atMs: this.clock.now(), refused });
    const t = new MockTransport(this, nodeId ?? -1);
    if (refused) {
      const err = Object.assign(new Error(`connect ECONNREFUSED ${target.host}:${target.port}`), { code: 'ECONNREFUSED' });
      t.shut(err);
      return t;
    }
    this.open.add(t);
    queueMicrotask(() => {
      if (!t.closed) onConnect();
    });
    return t;
  };

  /** "host:port" of a node. */
  address(nodeId: number): string {
    return `${this.host(nodeId)}:9092`;
  }

  /** Bootstrap servers: the given nodes, or all. */
  bootstrap(...nodeIds: number[]): string[] {
    return (nodeIds.length > 0 ? nodeIds : [...this.nodes]).map((id) => this.address(id));
  }

  // --- scripting ---

  createTopic(name: string, spec: number | MockTopicSpec): void {
    const s = typeof spec === 'number' ? { partitions: spec } : spec;
    const partitions: PartitionState[] = [];
    for (let i = 0; i < s.partitions; i++) partitions.push({ leader: s.leaders?.[i] ?? this.nodes[i % this.nodes.length], leaderEpoch: 0, log: [] });
    this.topics.set(name, { name, topicId: topicIdFor(name), partitions });
  }

  /** Moves a partition's leadership (its leader epoch goes up); the next Metadata names it. */
  setLeader(topic: string, partition: number, nodeId: number): void {
    const p = this.partition(topic, partition);
    p.leader = nodeId;
    p.leaderEpoch++;
  }

  /** Queues the answer to the next request of `api` on `nodeId` (several queue in order). */
  prepare(nodeId: number, api: ApiName, answer: ScriptedAnswer): this {
    const key = `${nodeId}/${api}`;
    const q = this.scripted.get(key) ?? [];
    q.push(answer);
    this.scripted.set(key, q);
    return this;
  }

  /**
   * Finalizes transaction.version at `level` (undefined: no finalized features) under a new
   * features epoch; connections opened from now on see it in ApiVersions.
   */
  setTransactionVersion(level: number | undefined): void {
    this.transactionVersion = level;
    this.featuresEpoch++;
  }

  /** Closes every open connection to `nodeId` (the client sees the broker hang up). */
  disconnect(nodeId: number): void {
    for (const t of [...this.open]) if (t.nodeId === nodeId) t.shut(null);
  }

  /** While on, connection attempts to `nodeId` fail at once (ECONNREFUSED). */
  refuseConnections(nodeId: number, refuse = true): void {
    if (refuse) this.refusing.add(nodeId);
    else this.refusing.delete(nodeId);
  }

  // --- checking ---

  requestsOf(api: ApiName, nodeId?: number): LoggedRequest[] {
    return this.requests.filter((r) => r.api === api && (nodeId === undefined || r.nodeId === nodeId));
  }

  /** Connection attempts to `nodeId`. */
  connectsTo(nodeId: number): ConnectAttempt[] {
    return this.connects.filter((c) => c.nodeId === nodeId);
  }

  openConnections(nodeId?: number): number {
    return [...this.open].filter((t) => nodeId === undefined || t.nodeId === nodeId).length;
  }

  records(topic: string, partition: number): StoredRecord[] {
    return this.partition(topic, partition).log.slice();
  }

  leaderOf(topic: string, partition: number): number {
    return this.partition(topic, partition).leader;
  }

  // --- broker side ---

  /** @internal */
  forget(t: MockTransport): void {
    this.open.delete(t);
  }

  /** @internal One request frame (without its size) from a client connection. */
  receive(t: MockTransport, frame: Buffer): void {
    const r = new Reader(frame);
    const apiKey = r.readInt16('apiKey');
    const version = r.readInt16('apiVersion');
    const correlationId = r.readInt32('correlationId');
    r.readNullableString('clientId');
    const spoken = spokenFor(apiKey);
    if (!spoken || version < spoken.minVersion || version > spoken.spec.maxVersion) {
      // Not advertised: a broker hangs up on it, and the test should hear of it.
      process.emitWarning(`MockNetwork: node ${t.nodeId} got api ${apiKey} v${version}, which it does not speak`);
      t.shut(null);
      return;
    }
    const spec = spoken.spec;
    const api = spec.name as ApiName;
    if (requestHeaderVersion(spec, version) >= 2) r.readTaggedFields('header.tags');
    const now = this.clock.now();
    if (this.sasl && api !== 'ApiVersions' && api !== 'SaslHandshake' && api !== 'SaslAuthenticate') {
      // Kafka closes a connection that sends other requests before authenticating, or after its session ended.
      const unauthenticated = t.sessionEndsAtMs < 0;
      const expired = !unauthenticated && this.sasl.sessionLifetimeMs && now >= t.sessionEndsAtMs;
      if (unauthenticated || expired) {
        this.requests.push({ nodeId: t.nodeId, connectionId: t.id, api, version, correlationId, atMs: now, outcome: 'disconnected' });
        t.shut(null);
        return;
      }
    }
    const log: LoggedRequest = { nodeId: t.nodeId, connectionId: t.id, api, version, correlationId, atMs: now, outcome: 'pending' };
    this.requests.push(log);
    const answer = this.scripted.get(`${t.nodeId}/${api}`)?.shift() ?? {};
    const dueMs = answer.noResponse ? NO_ANSWER_MS : answer.atMs ?? now + (answer.delayMs ?? 0);
    if (answer.noResponse || answer.disconnect) {
      if (api === 'Produce') this.produce(t.nodeId, r, version, log, answer, false);
      else this.readOnly(api, r, version, log);
      if (answer.noResponse) log.outcome = 'no-response';
      answer.onRequest?.(log);
      t.enqueue({ log, frame: null, disconnect: !!answer.disconnect, dueMs });
      return;
    }
    let body: (w: Writer) => void;
    switch (api) {
      case 'ApiVersions':
        body = (w) => this.writeApiVersions(w, answer);
        break;
      case 'Metadata': {
        const req = decodeMetadataRequest(r, version);
        log.topics = req.topics;
        body = (w) => this.writeMetadata(w, req.topics, answer);
        break;
      }
      case 'InitProducerId':
        body = this.initProducerId(r, version, log, answer);
        break;
      case 'Produce': {
        const answered = this.produce(t.nodeId, r, version, log, answer, true);
        if (answered === null) {
          // acks=0: nothing comes back.
          log.outcome = 'answered';
          answer.onRequest?.(log);
          return;
        }
        body = answered;
        break;
      }
      case 'FindCoordinator':
        body = this.findCoordinator(r, log, answer);
        break;
      case 'AddPartitionsToTxn':
        body = this.addPartitionsToTxn(r, log, answer);
        break;
      case 'AddOffsetsToTxn':
        body = this.addOffsetsToTxn(r, log, answer);
        break;
      case 'EndTxn':
        body = this.endTxn(r, version, log, answer);
        break;
      case 'TxnOffsetCommit':
        body = this.txnOffsetCommit(r, log, answer);
        break;
      case 'SaslHandshake':
        body = this.saslHandshake(t, r, answer);
        break;
      case 'SaslAuthenticate':
        body = this.saslAuthenticate(t, r, version, answer);
        break;
    }
    const w = new Writer(256);
    const sizeAt = w.reserveInt32();
    w.writeInt32(correlationId);
    if (responseHeaderVersion(spec, version) >= 1) w.writeEmptyTaggedFields();
    body(w);
    w.patchInt32(sizeAt, w.offset - 4);
    answer.onRequest?.(log);
    t.enqueue({ log, frame: Buffer.from(w.view()), disconnect: false, dueMs });
  }

  private host(nodeId: number): string {
    return `broker-${nodeId}.mock`;
  }

  private nodeAt(host: string, port: number): number | null {
    if (port !== 9092) return null;
    return this.nodes.find((id) => this.host(id) === host) ?? null;
  }

  private partition(topic: string, partition: number): PartitionState {
    const p = this.topics.get(topic)?.partitions[partition];
    if (!p) throw new Error(`MockNetwork: no partition ${topic}-${partition}`);
    return p;
  }

  // ApiVersions v4: header v0, flexible body; finalized features in tagged fields 1 and 2.
  /** SaslHandshake v1: the mechanism must be enabled; on an authenticated connection it starts a re-authentication. */
  private saslHandshake(t: MockTransport, r: Reader, answer: ScriptedAnswer): (w: Writer) => void {
    const mechanism = r.readString('mechanism');
    const mechanisms = this.sasl?.mechanisms ?? [];
    const errorCode = answer.errorCode ?? (mechanisms.includes(mechanism) ? ErrorCode.NONE : ErrorCode.UNSUPPORTED_SASL_MECHANISM);
    if (errorCode === ErrorCode.NONE) t.saslMechanism = mechanism;
    return (w) => {
      w.writeInt16(errorCode);
      w.writeArrayLength(mechanisms.length);
      for (const m of mechanisms) w.writeString(m);
    };
  }

  /** SaslAuthenticate v2: one message, judged by MockSasl.check; success opens (or renews) the session. */
  private saslAuthenticate(t: MockTransport, r: Reader, version: number, answer: ScriptedAnswer): (w: Writer) => void {
    const authBytes = r.readCompactBytes('authBytes');
    r.readTaggedFields('tags');
    const mechanism = t.saslMechanism;
    const refusal = mechanism === null ? 'no SaslHandshake first' : this.sasl?.check?.(mechanism, authBytes, t.id) ?? null;
    const errorCode = answer.errorCode ?? (refusal === null ? ErrorCode.NONE : ErrorCode.SASL_AUTHENTICATION_FAILED);
    const lifetime = this.sasl?.sessionLifetimeMs ?? 0;
    if (errorCode === ErrorCode.NONE) {
      t.sessionEndsAtMs = lifetime > 0 ? this.clock.now() + lifetime : Number.MAX_SAFE_INTEGER;
      t.authentications++;
    }
    return (w) => {
      w.writeInt16(errorCode);
      w.writeCompactNullableString(errorCode === ErrorCode.NONE ? null : refusal ?? 'refused by the script');
      w.writeCompactBytes(Buffer.alloc(0));
      if (version >= 1) w.writeInt64(errorCode === ErrorCode.NONE ? lifetime : 0);
      w.writeEmptyTaggedFields();
    };
  }

  /** Authentications per open connection (the first one counts: 1 means never re-authenticated). */
  authentications(): { connectionId: number; nodeId: number; authentications: number }[] {
    return [...this.open].map((t) => ({ connectionId: t.id, nodeId: t.nodeId, authentications: t.authentications }));
  }

  private writeApiVersions(w: Writer, answer: ScriptedAnswer): void {
    w.writeInt16(answer.errorCode ?? ErrorCode.NONE);
    w.writeCompactArrayLength(SPOKEN.length);
    for (const a of SPOKEN) w.writeInt16(a.spec.apiKey).writeInt16(a.minVersion).writeInt16(a.spec.maxVersion).writeEmptyTaggedFields();
    w.writeInt32(0);
    const level = this.transactionVersion;
    if (level === undefined) {
      w.writeEmptyTaggedFields();
      return;
    }
    w.writeTaggedFields([
      [1, (t) => t.writeInt64(this.featuresEpoch)],
      [
        2,
        (t) => {
          t.writeCompactArrayLength(1);
          t.writeCompactString('transaction.version').writeInt16(level).writeInt16(level).writeEmptyTaggedFields();
        },
      ],
    ]);
  }

  // Metadata v13.
  private writeMetadata(w: Writer, asked: string[] | null, answer: ScriptedAnswer): void {
    const names = asked ?? [...this.topics.keys()];
    w.writeInt32(0);
    w.writeCompactArrayLength(this.nodes.length);
    for (const id of this.nodes) w.writeInt32(id).writeCompactString(this.host(id)).writeInt32(9092).writeCompactNullableString(null).writeEmptyTaggedFields();
    w.writeCompactNullableString(this.clusterId);
    w.writeInt32(this.nodes[0]);
    w.writeCompactArrayLength(names.length);
    for (const name of names) {
      const t = this.topics.get(name);
      w.writeInt16(t ? ErrorCode.NONE : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      w.writeCompactNullableString(name);
      w.writeUuid(t ? t.topicId : 'AAAAAAAAAAAAAAAAAAAAAA');
      w.writeBoolean(false);
      const parts = t?.partitions ?? [];
      w.writeCompactArrayLength(parts.length);
      parts.forEach((p, index) => {
        w.writeInt16(ErrorCode.NONE).writeInt32(index).writeInt32(p.leader).writeInt32(p.leaderEpoch);
        for (const nodes of [[p.leader], [p.leader], []]) {
          w.writeCompactArrayLength(nodes.length);
          for (const n of nodes) w.writeInt32(n);
        }
        w.writeEmptyTaggedFields();
      });
      w.writeInt32(-2147483648); // topic authorized operations: not asked for
      w.writeEmptyTaggedFields();
    }
    w.writeInt16(answer.errorCode ?? ErrorCode.NONE);
    w.writeEmptyTaggedFields();
  }

  // InitProducerId v5. Without a transactional id: a new producer id, epoch 0. With one: the
  // id's producer id with its epoch one higher than before (the first call: a new id, epoch 0).
  private initProducerId(r: Reader, version: number, log: LoggedRequest, answer: ScriptedAnswer): (w: Writer) => void {
    const req = decodeInitProducerIdRequest(r, version);
    const errorCode = answer.errorCode ?? ErrorCode.NONE;
    let producerId = -1;
    let producerEpoch = -1;
    if (errorCode === ErrorCode.NONE) {
      if (req.transactionalId === null) {
        producerId = this.nextProducerId++;
        producerEpoch = 0;
      } else {
        const txn = this.transaction(req.transactionalId);
        if (txn.producerId >= 0) txn.producerEpoch++;
        else {
          txn.producerId = this.nextProducerId++;
          txn.producerEpoch = 0;
        }
        // A new epoch ends whatever the old one left open.
        txn.partitions.clear();
        txn.groups.clear();
        producerId = txn.producerId;
        producerEpoch = txn.producerEpoch;
      }
    }
    log.txn = {
      transactionalId: req.transactionalId,
      producerId: req.producerId,
      producerEpoch: req.producerEpoch,
      errorCode,
      answeredProducerId: producerId,
      answeredProducerEpoch: producerEpoch,
    };
    return (w) => {
      w.writeInt32(0);
      w.writeInt16(errorCode);
      w.writeInt64(producerId);
      w.writeInt16(producerEpoch);
      w.writeEmptyTaggedFields();
    };
  }

  /** The coordinator's state for a transactional id (created on first use). */
  transaction(transactionalId: string): MockTransaction {
    let txn = this.transactions.get(transactionalId);
    if (!txn) {
      txn = { producerId: -1, producerEpoch: -1, partitions: new Set(), groups: new Set(), ended: [] };
      this.transactions.set(transactionalId, txn);
    }
    return txn;
  }

  /** A request that gets no answer (or a hang-up) is still logged with what it asked, and not handled. */
  private readOnly(api: ApiName, r: Reader, version: number, log: LoggedRequest): void {
    switch (api) {
      case 'Metadata':
        log.topics = decodeMetadataRequest(r, version).topics;
        break;
      case 'InitProducerId': {
        const req = decodeInitProducerIdRequest(r, version);
        log.txn = { transactionalId: req.transactionalId, producerId: req.producerId, producerEpoch: req.producerEpoch };
        break;
      }
      case 'FindCoordinator':
        this.readFindCoordinator(r, log);
        break;
      case 'AddPartitionsToTxn':
        this.readAddPartitionsToTxn(r, log);
        break;
      case 'AddOffsetsToTxn':
        this.readAddOffsetsToTxn(r, log);
        break;
      case 'EndTxn':
        this.readEndTxn(r, log);
        break;
      case 'TxnOffsetCommit':
        this.readTxnOffsetCommit(r, log);
        break;
      default:
        break;
    }
  }

  // FindCoordinator v4+: a batch of keys, one coordinator per key.
  private readFindCoordinator(r: Reader, log: LoggedRequest): string[] {
    log.coordinatorKeyType = r.readInt8('keyType');
    const n = r.readCompactArrayLength('coordinatorKeys');
    const keys: string[] = [];
    for (let i = 0; i < n; i++) keys.push(r.readCompactString('coordinatorKeys'));
    r.readTaggedFields('tags');
    log.coordinatorKeys = keys;
    return keys;
  }

  private findCoordinator(r: Reader, log: LoggedRequest, answer: ScriptedAnswer): (w: Writer) => void {
    const keys = this.readFindCoordinator(r, log);
    const errorCode = answer.errorCode ?? ErrorCode.NONE;
    const node = this.coordinator;
    return (w) => {
      w.writeInt32(0);
      w.writeCompactArrayLength(keys.length);
      for (const key of keys) {
        w.writeCompactString(key);
        if (errorCode === ErrorCode.NONE) w.writeInt32(node).writeCompactString(this.host(node)).writeInt32(9092);
        else w.writeInt32(-1).writeCompactString('').writeInt32(-1);
        w.writeInt16(errorCode).writeCompactNullableString(null).writeEmptyTaggedFields();
      }
      w.writeEmptyTaggedFields();
    };
  }

  // AddPartitionsToTxn v3 (the last client version).
  private readAddPartitionsToTxn(r: Reader, log: LoggedRequest): LoggedTxn {
    const txn: LoggedTxn = { transactionalId: r.readCompactString('transactionalId'), producerId: r.readInt64('producerId'), producerEpoch: r.readInt16('producerEpoch'), partitions: [] };
    const nTopics = r.readCompactArrayLength('topics');
    for (let i = 0; i < nTopics; i++) {
      const topic = r.readCompactString('topics.name');
      const nParts = r.readCompactArrayLength('topics.partitions');
      for (let j = 0; j < nParts; j++) txn.partitions!.push({ topic, partition: r.readInt32('topics.partitions') });
      r.readTaggedFields('topics.tags');
    }
    r.readTaggedFields('tags');
    log.txn = txn;
    return txn;
  }

  private addPartitionsToTxn(r: Reader, log: LoggedRequest, answer: ScriptedAnswer): (w: Writer) => void {
    const req = this.readAddPartitionsToTxn(r, log);
    const errorCode = answer.errorCode ?? ErrorCode.NONE;
    req.errorCode = errorCode;
    if (errorCode === ErrorCode.NONE) {
      const txn = this.transaction(req.transactionalId!);
      for (const p of req.partitions!) txn.partitions.add(tpKey(p.topic, p.partition));
    }
    return (w) => {
      w.writeInt32(0);
      writePartitionErrors(w, req.partitions!, errorCode);
      w.writeEmptyTaggedFields();
    };
  }

  // AddOffsetsToTxn v3+.
  private readAddOffsetsToTxn(r: Reader, log: LoggedRequest): LoggedTxn {
    const txn: LoggedTxn = { transactionalId: r.readCompactString('transactionalId'), producerId: r.readInt64('producerId'), producerEpoch: r.readInt16('producerEpoch') };
    txn.groupId = r.readCompactString('groupId');
    r.readTaggedFields('tags');
    log.txn = txn;
    return txn;
  }

  private addOffsetsToTxn(r: Reader, log: LoggedRequest, answer: ScriptedAnswer): (w: Writer) => void {
    const req = this.readAddOffsetsToTxn(r, log);
    const errorCode = answer.errorCode ?? ErrorCode.NONE;
    req.errorCode = errorCode;
    if (errorCode === ErrorCode.NONE) this.transaction(req.transactionalId!).groups.add(req.groupId!);
    return (w) => {
      w.writeInt32(0).writeInt16(errorCode).writeEmptyTaggedFields();
    };
  }

  // EndTxn v3+; v5 answers the producer id and the epoch of the next transaction.
  private readEndTxn(r: Reader, log: LoggedRequest): LoggedTxn {
    const txn: LoggedTxn = { transactionalId: r.readCompactString('transactionalId'), producerId: r.readInt64('producerId'), producerEpoch: r.readInt16('producerEpoch') };
    txn.committed = r.readBoolean('committed');
    r.readTaggedFields('tags');
    log.txn = txn;
    return txn;
  }

  private endTxn(r: Reader, version: number, log: LoggedRequest, answer: ScriptedAnswer): (w: Writer) => void {
    const req = this.readEndTxn(r, log);
    const errorCode = answer.errorCode ?? ErrorCode.NONE;
    req.errorCode = errorCode;
    let producerId = -1;
    let producerEpoch = -1;
    if (errorCode === ErrorCode.NONE) {
      const txn = this.transaction(req.transactionalId!);
      txn.ended.push({ committed: req.committed!, partitions: [...txn.partitions], producerEpoch: req.producerEpoch });
      txn.partitions.clear();
      txn.groups.clear();
      if (version >= 5) {
        txn.producerEpoch++;
        producerId = txn.producerId;
        producerEpoch = txn.producerEpoch;
      }
    }
    if (version >= 5) {
      req.answeredProducerId = producerId;
      req.answeredProducerEpoch = producerEpoch;
    }
    return (w) => {
      w.writeInt32(0).writeInt16(errorCode);
      if (version >= 5) w.writeInt64(producerId).writeInt16(producerEpoch);
      w.writeEmptyTaggedFields();
    };
  }

  // TxnOffsetCommit v3+.
  private readTxnOffsetCommit(r: Reader, log: LoggedRequest): LoggedTxn {
    const transactionalId = r.readCompactString('transactionalId');
    const groupId = r.readCompactString('groupId');
    const txn: LoggedTxn = { transactionalId, groupId, producerId: r.readInt64('producerId'), producerEpoch: r.readInt16('producerEpoch'), partitions: [] };
    r.readInt32('generationId');
    r.readCompactString('memberId');
    r.readCompactNullableString('groupInstanceId');
    const nTopics = r.readCompactArrayLength('topics');
    for (let i = 0; i < nTopics; i++) {
      const topic = r.readCompactString('topics.name');
      const nParts = r.readCompactArrayLength('topics.partitions');
      for (let j = 0; j < nParts; j++) {
        const partition = r.readInt32('partitions.partitionIndex');
        const offset = r.readInt64('partitions.committedOffset');
        r.readInt32('partitions.committedLeaderEpoch');
        r.readCompactNullableString('partitions.committedMetadata');
        r.readTaggedFields('partitions.tags');
        txn.partitions!.push({ topic, partition, offset });
      }
      r.readTaggedFields('topics.tags');
    }
    r.readTaggedFields('tags');
    log.txn = txn;
    return txn;
  }

  private txnOffsetCommit(r: Reader, log: LoggedRequest, answer: ScriptedAnswer): (w: Writer) => void {
    const req = this.readTxnOffsetCommit(r, log);
    const errorCode = answer.errorCode ?? ErrorCode.NONE;
    req.errorCode = errorCode;
    return (w) => {
      w.writeInt32(0);
      writePartitionErrors(w, req.partitions!, errorCode);
      w.writeEmptyTaggedFields();
    };
  }

  /**
   * Produce v9-v13 (the fake broker's Produce decoder is private to it, so the request is read
   * here; topics by name up to v12, by id from v13): logs what came and, when `handle`,
   * appends or refuses per partition; returns the answer's writer (null for acks=0).
   */
  private produce(nodeId: number, r: Reader, version: number, log: LoggedRequest, answer: ScriptedAnswer, handle: boolean): ((w: Writer) => void) | null {
    if (version < 9) throw new Error(`MockNetwork: Produce v${version} is not spoken here`);
    const byId = version >= 13;
    const transactionalId = r.readCompactNullableString('transactionalId');
    log.transactionalId = transactionalId;
    const txn = transactionalId === null ? null : this.transaction(transactionalId);
    const acks = r.readInt16('acks');
    r.readInt32('timeoutMs');
    const answers: { topicKey: string; parts: { index: number; errorCode: number; baseOffset: number }[] }[] = [];
    log.partitions = [];
    if (handle) log.errors = [];
    const nTopics = r.readCompactArrayLength('topicData');
    for (let i = 0; i < nTopics; i++) {
      const topicKey = byId ? r.readUuid('topicData.topicId') : r.readCompactString('topicData.name');
      const topic = byId ? [...this.topics.values()].find((t) => t.topicId === topicKey) : this.topics.get(topicKey);
      const parts: { index: number; errorCode: number; baseOffset: number }[] = [];
      const nParts = r.readCompactArrayLength('partitionData');
      for (let j = 0; j < nParts; j++) {
        const index = r.readInt32('partitionData.index');
        const raw = r.readCompactNullableBytes('partitionData.records');
        r.readTaggedFields('partitionData.tags');
        const batches: DecodedBatch[] = raw ? decodeRecordBatches(raw) : [];
        const first = batches[0];
        const logged: LoggedPartition = {
          topic: topic?.name ?? '',
          partition: index,
          producerId: first?.producerId ?? -1,
          producerEpoch: first?.producerEpoch ?? -1,
          baseSequence: first?.baseSequence ?? -1,
          records: batches.reduce((n, b) => n + b.recordsCount, 0),
          values: batches.flatMap((b) => b.records.map((rec) => (rec.value ? rec.value.toString('utf8') : null))),
          headers: batches.flatMap((b) => b.records.map((rec) => rec.headers.map((h) => ({ key: h.key, value: h.value ? h.value.toString('utf8') : null })))),
          isTransactional: batches.length > 0 && batches.every((b) => b.isTransactional),
        };
        if (txn && topic) {
          // From v12 a transactional Produce adds its partitions itself (KIP-890 part 2).
          if (version >= 12) txn.partitions.add(tpKey(topic.name, index));
          logged.inTransaction = txn.partitions.has(tpKey(topic.name, index));
        }
        log.partitions.push(logged);
        const p = topic?.partitions[index];
        if (!handle) continue;
        let errorCode: number = ErrorCode.NONE;
        let baseOffset = -1;
        if (!p) errorCode = byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if (p.leader !== nodeId) errorCode = ErrorCode.NOT_LEADER_OR_FOLLOWER;
        else if (answer.errorCode !== undefined) errorCode = answer.errorCode;
        else {
          baseOffset = p.log.length;
          for (const b of batches) {
            for (const rec of b.records) {
              p.log.push({ offset: p.log.length, value: rec.value ? rec.value.toString('utf8') : null, producerId: b.producerId, baseSequence: b.baseSequence });
            }
          }
        }
        log.errors!.push(errorCode);
        parts.push({ index, errorCode, baseOffset });
      }
      r.readTaggedFields('topicData.tags');
      answers.push({ topicKey, parts });
    }
    r.readTaggedFields('tags');
    if (acks === 0) return null;
    return (w) => {
      w.writeCompactArrayLength(answers.length);
      for (const a of answers) {
        if (byId) w.writeUuid(a.topicKey);
        else w.writeCompactString(a.topicKey);
        w.writeCompactArrayLength(a.parts.length);
        for (const p of a.parts) {
          w.writeInt32(p.index).writeInt16(p.errorCode).writeInt64(p.baseOffset).writeInt64(-1).writeInt64(0);
          w.writeCompactArrayLength(0); // record errors
          w.writeCompactNullableString(null); // error message
          w.writeEmptyTaggedFields();
        }
        w.writeEmptyTaggedFields();
      }
      w.writeInt32(0); // throttle time
      w.writeEmptyTaggedFields();
    };
  }
}

/** The per-topic, per-partition error list of AddPartitionsToTxn v3 and TxnOffsetCommit v3+ answers. */
function writePartitionErrors(w: Writer, partitions: readonly { topic: string; partition: number }[], errorCode: number): void {
  const byTopic = new Map<string, number[]>();
  for (const p of partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
  w.writeCompactArrayLength(byTopic.size);
  for (const [topic, parts] of byTopic) {
    w.writeCompactString(topic);
    w.writeCompactArrayLength(parts.length);
    for (const p of parts) w.writeInt32(p).writeInt16(errorCode).writeEmptyTaggedFields();
    w.writeEmptyTaggedFields();
  }
}
