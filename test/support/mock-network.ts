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
 * - By default the cluster answers as a broker would: ApiVersions (only the newest version
 *   of each API, which the client then uses), Metadata from the cluster view (leaders move
 *   with setLeader), InitProducerId with a counter, Produce by appending (with
 *   NOT_LEADER_OR_FOLLOWER for a partition this node does not lead; sequences are not
 *   checked, the fake broker does that). prepare() queues a different answer for the next
 *   request of one API on one node: an error, a delay, no answer at all, a hang-up.
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
  API_VERSIONS_API,
  ApiSpec,
  INIT_PRODUCER_ID_API,
  METADATA_API,
  PRODUCE_API,
  requestHeaderVersion,
  responseHeaderVersion,
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

export type ApiName = 'ApiVersions' | 'Metadata' | 'InitProducerId' | 'Produce';

/**
 * How to answer one request, queued with prepare(); an empty answer is the default one. The
 * request is handled when it arrives (a Produce is appended then); atMs/delayMs hold back
 * only its answer.
 */
export interface ScriptedAnswer {
  /**
   * Produce: every partition of the request gets this error and nothing is appended.
   * InitProducerId: the answer's error code. Metadata: the top-level error code.
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
}

export interface LoggedPartition {
  topic: string;
  partition: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  records: number;
  values: (string | null)[];
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

/** The versions the scripted cluster speaks: the newest of each API, so encoders stay few. */
const SPOKEN: readonly ApiSpec[] = [PRODUCE_API, METADATA_API, API_VERSIONS_API, INIT_PRODUCER_ID_API];

function apiName(apiKey: number): ApiName | null {
  const spec = SPOKEN.find((a) => a.apiKey === apiKey);
  return spec ? (spec.name as ApiName) : null;
}

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

  constructor(
    readonly clock: VirtualClock,
    opts: MockNetworkOptions = {},
  ) {
    this.nodes = opts.nodes ?? [0];
    this.nextProducerId = opts.firstProducerId ?? 1000;
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
    const api = apiName(apiKey);
    const spec = SPOKEN.find((a) => a.apiKey === apiKey);
    if (!api || !spec || version !== spec.maxVersion) {
      // Not advertised: a broker hangs up on it, and the test should hear of it.
      process.emitWarning(`MockNetwork: node ${t.nodeId} got api ${apiKey} v${version}, which it does not speak`);
      t.shut(null);
      return;
    }
    if (requestHeaderVersion(spec, version) >= 2) r.readTaggedFields('header.tags');
    const now = this.clock.now();
    const log: LoggedRequest = { nodeId: t.nodeId, connectionId: t.id, api, version, correlationId, atMs: now, outcome: 'pending' };
    this.requests.push(log);
    const answer = this.scripted.get(`${t.nodeId}/${api}`)?.shift() ?? {};
    const dueMs = answer.noResponse ? NO_ANSWER_MS : answer.atMs ?? now + (answer.delayMs ?? 0);
    if (answer.noResponse || answer.disconnect) {
      if (api === 'Produce') this.produce(t.nodeId, r, version, log, answer, false);
      if (answer.noResponse) log.outcome = 'no-response';
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
        decodeInitProducerIdRequest(r, version);
        body = (w) => this.writeInitProducerId(w, answer);
        break;
      case 'Produce': {
        const answered = this.produce(t.nodeId, r, version, log, answer, true);
        if (answered === null) {
          // acks=0: nothing comes back.
          log.outcome = 'answered';
          return;
        }
        body = answered;
        break;
      }
    }
    const w = new Writer(256);
    const sizeAt = w.reserveInt32();
    w.writeInt32(correlationId);
    if (responseHeaderVersion(spec, version) >= 1) w.writeEmptyTaggedFields();
    body(w);
    w.patchInt32(sizeAt, w.offset - 4);
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

  // ApiVersions v4: header v0, flexible body.
  private writeApiVersions(w: Writer, answer: ScriptedAnswer): void {
    w.writeInt16(answer.errorCode ?? ErrorCode.NONE);
    w.writeCompactArrayLength(SPOKEN.length);
    for (const a of SPOKEN) w.writeInt16(a.apiKey).writeInt16(a.maxVersion).writeInt16(a.maxVersion).writeEmptyTaggedFields();
    w.writeInt32(0);
    w.writeEmptyTaggedFields();
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

  // InitProducerId v5.
  private writeInitProducerId(w: Writer, answer: ScriptedAnswer): void {
    const errorCode = answer.errorCode ?? ErrorCode.NONE;
    w.writeInt32(0);
    w.writeInt16(errorCode);
    w.writeInt64(errorCode === ErrorCode.NONE ? this.nextProducerId++ : -1);
    w.writeInt16(errorCode === ErrorCode.NONE ? 0 : -1);
    w.writeEmptyTaggedFields();
  }

  /**
   * Produce v13 (the fake broker's Produce decoder is private to it, so the request is read
   * here): logs what came and, when `handle`, appends or refuses per partition; returns the
   * answer's writer (null for acks=0).
   */
  private produce(nodeId: number, r: Reader, version: number, log: LoggedRequest, answer: ScriptedAnswer, handle: boolean): ((w: Writer) => void) | null {
    if (version < 13) throw new Error(`MockNetwork: Produce v${version} is not spoken here`);
    r.readCompactNullableString('transactionalId');
    const acks = r.readInt16('acks');
    r.readInt32('timeoutMs');
    const answers: { topicId: string; parts: { index: number; errorCode: number; baseOffset: number }[] }[] = [];
    log.partitions = [];
    if (handle) log.errors = [];
    const nTopics = r.readCompactArrayLength('topicData');
    for (let i = 0; i < nTopics; i++) {
      const topicId = r.readUuid('topicData.topicId');
      const topic = [...this.topics.values()].find((t) => t.topicId === topicId);
      const parts: { index: number; errorCode: number; baseOffset: number }[] = [];
      const nParts = r.readCompactArrayLength('partitionData');
      for (let j = 0; j < nParts; j++) {
        const index = r.readInt32('partitionData.index');
        const raw = r.readCompactNullableBytes('partitionData.records');
        r.readTaggedFields('partitionData.tags');
        const batches: DecodedBatch[] = raw ? decodeRecordBatches(raw) : [];
        const first = batches[0];
        log.partitions.push({
          topic: topic?.name ?? '',
          partition: index,
          producerId: first?.producerId ?? -1,
          producerEpoch: first?.producerEpoch ?? -1,
          baseSequence: first?.baseSequence ?? -1,
          records: batches.reduce((n, b) => n + b.recordsCount, 0),
          values: batches.flatMap((b) => b.records.map((rec) => (rec.value ? rec.value.toString('utf8') : null))),
        });
        const p = topic?.partitions[index];
        if (!handle) continue;
        let errorCode: number = ErrorCode.NONE;
        let baseOffset = -1;
        if (!p) errorCode = ErrorCode.UNKNOWN_TOPIC_ID;
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
      answers.push({ topicId, parts });
    }
    r.readTaggedFields('tags');
    if (acks === 0) return null;
    return (w) => {
      w.writeCompactArrayLength(answers.length);
      for (const a of answers) {
        w.writeUuid(a.topicId);
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
