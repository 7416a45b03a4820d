/**
 * ProducerMetadata: the producer's view of the cluster (brokers, topics, partitions,
 * leaders), which topics it asks about, and when to refresh.
 *
 * As the Java client's ProducerMetadata: only topics the producer uses are requested; a
 * topic not used for metadata.max.idle.ms is dropped; the whole view is refreshed every
 * metadata.max.age.ms, and sooner when something calls requestUpdate() (unknown topic or
 * leader, NOT_LEADER_OR_FOLLOWER and other stale-metadata errors, every disconnect and
 * failed connection attempt), spaced by the backoff described at ProducerMetadata. The
 * fetch itself is done by the sender; this class only holds state and answers questions.
 *
 * What changed with each answer is logged at debug (brokers added or removed, topics added,
 * partition leaders moved, a topic's error appearing or changing), one line per kind of
 * change per answer; an answer that changes nothing logs nothing.
 */
import { ProducerLog } from '../logger';
import { exponentialBackoff } from '../net/backoff';
import type { BrokerNode } from '../net/broker-pool';
import { ErrorCode, errorInfo } from '../protocol/errors';
import type { MetadataResponse } from '../protocol/messages/metadata';
import type { PartitionerCluster } from './partitioners/partitioner';

export interface BrokerInfo extends BrokerNode {
  readonly rack: string | null;
}

export interface PartitionInfo {
  partition: number;
  /** -1 when no leader is known. */
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offline: number[];
}

export interface TopicInfo {
  name: string;
  topicId: string;
  /** Indexed by partition number. */
  partitions: PartitionInfo[];
  /** Partitions with a known leader, ascending. */
  availablePartitions: number[];
}

export interface TopicPartitionRef {
  topic: string;
  partition: number;
}

/** An immutable snapshot of what the cluster looked like at one metadata version. */
export class Cluster implements PartitionerCluster {
  readonly brokers: ReadonlyMap<number, BrokerInfo>;
  readonly topics: ReadonlyMap<string, TopicInfo>;
  readonly clusterId: string | null;
  private byNode: Map<number, TopicPartitionRef[]> | null = null;

  constructor(brokers: Map<number, BrokerInfo>, topics: Map<string, TopicInfo>, clusterId: string | null) {
    this.brokers = brokers;
    this.topics = topics;
    this.clusterId = clusterId;
  }

  static empty(): Cluster {
    return new Cluster(new Map(), new Map(), null);
  }

  partitionCountFor(topic: string): number {
    return this.topics.get(topic)?.partitions.length ?? 0;
  }

  availablePartitionsFor(topic: string): readonly number[] {
    return this.topics.get(topic)?.availablePartitions ?? [];
  }

  leaderFor(topic: string, partition: number): number {
    return this.topics.get(topic)?.partitions[partition]?.leader ?? -1;
  }

  /** The partition's leader epoch, -1 when unknown. */
  leaderEpochFor(topic: string, partition: number): number {
    return this.topics.get(topic)?.partitions[partition]?.leaderEpoch ?? -1;
  }

  /** Partitions led by `nodeId`, in metadata order (the drain walks them round-robin). */
  partitionsForNode(nodeId: number): readonly TopicPartitionRef[] {
    if (!this.byNode) {
      const m = new Map<number, TopicPartitionRef[]>();
      for (const t of this.topics.values()) {
        for (const p of t.partitions) {
          if (p.leader < 0) continue;
          let list = m.get(p.leader);
          if (!list) m.set(p.leader, (list = []));
          list.push({ topic: t.name, partition: p.partition });
        }
      }
      this.byNode = m;
    }
    return this.byNode.get(nodeId) ?? [];
  }
}

interface TopicEntry {
  expiresAtMs: number;
  /** Error code of the last metadata answer for this topic (0 = none). */
  lastErrorCode: number;
  lastErrorMessage: string | null;
}

export interface MetadataOptions {
  metadataMaxAgeMs: number;
  metadataMaxIdleMs: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  /** [0, 1) source for the refresh backoff's jitter. */
  random?: () => number;
  /** Where metadata changes are logged (debug). Default: nowhere. */
  log?: ProducerLog;
}

/** At most this many partitions are listed in one "leaders moved" line (the count is exact). */
const MAX_LOGGED_MOVES = 50;

/**
 * When to refresh, as Java's Metadata.timeToAllowUpdate / timeToNextUpdate: every refresh is
 * spaced from the last one (answered or failed) by retry.backoff.ms, growing exponentially
 * up to retry.backoff.max.ms over consecutive failed refreshes and over consecutive answers
 * that taught nothing new (no leader epoch moved: Java's equivalentResponseCount). A topic
 * seen for the first time skips the wait (requestUpdateForNewTopics). So a leader that stays
 * unreachable, a partition beyond the topic's count or an unauthorized topic cost a refresh
 * every second at most, never a request storm.
 */
export class ProducerMetadata {
  cluster: Cluster = Cluster.empty();
  /** Bumped on every successful update. */
  version = 0;
  private readonly topics = new Map<string, TopicEntry>();
  /** Topics added and not yet in an answer: their first refresh does not wait for the backoff. */
  private readonly newTopics = new Set<string>();
  private needUpdate = false;
  private lastSuccessfulRefreshMs = 0;
  /** Last answered or failed refresh; -Infinity lets the next one go at once. */
  private lastRefreshMs = -Infinity;
  /** Failed refreshes since the last answer. */
  private attempts = 0;
  /** Answers in a row that changed no leader epoch. */
  private equivalentResponses = 0;
  private readonly random: () => number;
  /** Jitter of the current backoff, drawn once per refresh so the deadline does not move. */
  private jitter = 0.5;

  private readonly log: ProducerLog;

  constructor(private readonly opts: MetadataOptions) {
    this.random = opts.random ?? Math.random;
    this.log = opts.log ?? ProducerLog.silent;
  }

  /**
   * Registers use of a topic (send() and the sender's unknown-leader pass call this) and keeps
   * it from expiring; returns true when it was new, which asks for a refresh at once.
   */
  add(topic: string, nowMs: number): boolean {
    const e = this.topics.get(topic);
    const expiresAtMs = nowMs + this.opts.metadataMaxIdleMs;
    if (e) {
      e.expiresAtMs = expiresAtMs;
      return false;
    }
    this.topics.set(topic, { expiresAtMs, lastErrorCode: 0, lastErrorMessage: null });
    this.newTopics.add(topic);
    this.requestUpdateForNewTopics();
    return true;
  }

  /** Marks the topic used now (keeps it from expiring), cheaply. */
  touch(topic: string, nowMs: number): void {
    const e = this.topics.get(topic);
    if (e) e.expiresAtMs = nowMs + this.opts.metadataMaxIdleMs;
  }

  has(topic: string): boolean {
    return this.topics.has(topic);
  }

  /**
   * Java's requestUpdate(resetEquivalentResponseBackoff): a refresh is wanted, within the
   * backoff. `reset` (new metadata is wanted, not a retry of the same question) lets it go
   * after retry.backoff.ms rather than after the grown backoff.
   */
  requestUpdate(reset = false): void {
    this.needUpdate = true;
    if (reset) this.equivalentResponses = 0;
  }

  /** Java's requestUpdateForTopic: at once for a topic never answered yet, else within the backoff. */
  requestUpdateForTopic(topic: string): void {
    if (this.newTopics.has(topic)) this.requestUpdateForNewTopics();
    else this.requestUpdate();
  }

  private requestUpdateForNewTopics(): void {
    this.needUpdate = true;
    this.lastRefreshMs = -Infinity;
    this.equivalentResponses = 0;
  }


  private backoff(attempts: number): number {
    const jitter = this.jitter;
    return exponentialBackoff(this.opts.retryBackoffMs, this.opts.retryBackoffMaxMs, attempts, () => jitter);
  }

  /** ms until a refresh may be sent (Java's timeToAllowUpdate). */
  timeToAllowUpdate(nowMs: number): number {
    const forAttempts = this.lastRefreshMs + this.backoff(this.attempts > 0 ? this.attempts - 1 : 0) - nowMs;
    // A periodic refresh (metadata.max.age.ms) starts the equivalent-answer backoff over.
    if (this.lastSuccessfulRefreshMs + this.opts.metadataMaxAgeMs <= nowMs) this.equivalentResponses = 0;
    const forEquivalent = this.lastRefreshMs + (this.equivalentResponses > 0 ? this.backoff(this.equivalentResponses - 1) : 0) - nowMs;
    return Math.max(0, forAttempts, forEquivalent);
  }

  /** ms until a refresh is due (0 = now): requested or expired, and allowed by the backoff. */
  timeToNextUpdate(nowMs: number): number {
    const toExpire = this.needUpdate ? 0 : Math.max(0, this.lastSuccessfulRefreshMs + this.opts.metadataMaxAgeMs - nowMs);
    return Math.max(toExpire, this.timeToAllowUpdate(nowMs));
  }

  /** Topics to put in the next request, after dropping the ones idle too long. */
  topicsToRequest(nowMs: number): string[] {
    for (const [t, e] of this.topics) {
      if (e.expiresAtMs <= nowMs && !this.newTopics.has(t)) this.topics.delete(t);
    }
    return [...this.topics.keys()];
  }

  /** Called when a request is sent: what is asked for from now on needs another refresh. */
  markRequested(): void {
    this.needUpdate = false;
  }

  /** A refresh failed (no answer): Java's failedUpdate. */
  failedUpdate(nowMs: number): void {
    this.lastRefreshMs = nowMs;
    this.attempts++;
    this.equivalentResponses = 0;
    this.jitter = this.random();
    this.needUpdate = true;
  }

  /**
   * A connection closed or a connection attempt failed (Java's handleServerDisconnect): the
   * cluster may have moved (a dead leader), so ask again, within the backoff. A disconnect
   * while a refresh was due counts as a failed refresh, so the backoff grows.
   */
  handleDisconnect(nowMs: number, refreshInFlight: boolean): void {
    if (!refreshInFlight && this.timeToNextUpdate(nowMs) === 0) this.failedUpdate(nowMs);
    this.requestUpdate();
  }

  lastError(topic: string): { code: number; message: string | null } | null {
    const e = this.topics.get(topic);
    return e && e.lastErrorCode !== 0 ? { code: e.lastErrorCode, message: e.lastErrorMessage } : null;
  }

  /**
   * Applies a leader hint from a Produce response (KIP-951): the partition's new leader and
   * epoch, and the endpoints of brokers we may not know yet. Ignored unless the epoch is newer
   * than ours. Returns whether the leader changed.
   */
  updateLeader(
    topic: string,
    partition: number,
    leader: { leaderId: number; leaderEpoch: number },
    endpoints: readonly BrokerInfo[],
  ): boolean {
    const info = this.cluster.topics.get(topic);
    const current = info?.partitions[partition];
    if (!info || !current || leader.leaderEpoch <= current.leaderEpoch) return false;
    const brokers = new Map(this.cluster.brokers);
    for (const e of endpoints) if (!brokers.has(e.nodeId)) brokers.set(e.nodeId, { nodeId: e.nodeId, host: e.host, port: e.port, rack: e.rack });
    if (!brokers.has(leader.leaderId)) return false;
    const partitions = info.partitions.slice();
    partitions[partition] = { ...current, leader: leader.leaderId, leaderEpoch: leader.leaderEpoch };
    const availablePartitions = partitions.filter((p) => p.leader >= 0).map((p) => p.partition);
    const topics = new Map(this.cluster.topics);
    topics.set(topic, { ...info, partitions, availablePartitions });
    this.cluster = new Cluster(brokers, topics, this.cluster.clusterId);
    this.version++;
    this.log.debug(
      { topic, partition, leader: leader.leaderId, previousLeader: current.leader, leaderEpoch: leader.leaderEpoch },
      `Partition ${topic}-${partition} moved to leader ${leader.leaderId} (from a Produce answer)`,
    );
    return true;
  }

  /** Applies a Metadata response; returns the new cluster. */
  update(res: MetadataResponse, nowMs: number): Cluster {
    const brokers = new Map<number, BrokerInfo>();
    for (const b of res.brokers) brokers.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack });
    const topics = new Map<string, TopicInfo>();
    // Java's equivalentResponseCount: an answer that moves no leader epoch (and adds no topic)
    // taught nothing, and the next refresh waits longer.
    let learned = false;
    let again = false;
    const topicErrors: { topic: string; error: string }[] = [];
    for (const t of res.topics) {
      if (t.name === null) continue;
      this.newTopics.delete(t.name);
      const entry = this.topics.get(t.name);
      if (entry && t.errorCode !== ErrorCode.NONE && t.errorCode !== entry.lastErrorCode) topicErrors.push({ topic: t.name, error: errorInfo(t.errorCode).name });
      if (entry) {
        entry.lastErrorCode = t.errorCode;
        entry.lastErrorMessage = t.errorCode ? errorInfo(t.errorCode).message : null;
      }
      if (t.errorCode !== ErrorCode.NONE) {
        // No epoch to compare: the same error again is an equivalent answer (Java counts it so).
        if (errorInfo(t.errorCode).refreshMetadata) again = true;
        continue;
      }
      const partitions: PartitionInfo[] = [];
      const available: number[] = [];
      const known = this.cluster.topics.get(t.name);
      const sameTopic = known !== undefined && known.topicId === t.topicId;
      if (!sameTopic) learned = true;
      for (const p of t.partitions) {
        // An answer older than what we know (a broker whose metadata lags a KIP-951 leader hint):
        // keep ours, as Java's Metadata does. Taking it would send the batch back to the old
        // leader, whose hint would then count as a leader change again: a retry loop without backoff.
        const mine = sameTopic ? known.partitions[p.partitionIndex] : undefined;
        if (mine && p.leaderEpoch >= 0 && mine.leaderEpoch > p.leaderEpoch && mine.leader >= 0 && brokers.has(mine.leader)) {
          partitions[p.partitionIndex] = mine;
          continue;
        }
        if (!mine || p.leaderEpoch < 0 || p.leaderEpoch > mine.leaderEpoch) learned = true;
        const leaderKnown = p.leaderId >= 0 && brokers.has(p.leaderId) && p.errorCode !== ErrorCode.LEADER_NOT_AVAILABLE;
        partitions[p.partitionIndex] = {
          partition: p.partitionIndex,
          leader: leaderKnown ? p.leaderId : -1,
          leaderEpoch: p.leaderEpoch,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
          offline: p.offlineReplicas,
        };
        if (!leaderKnown || errorInfo(p.errorCode).refreshMetadata) again = true;
      }
      // A gap in partition numbers would be a broken answer: treat the topic as unknown.
      let complete = true;
      for (let i = 0; i < partitions.length; i++) {
        if (!partitions[i]) complete = false;
        else if (partitions[i].leader >= 0) available.push(i);
      }
      if (!complete) {
        again = true;
        continue;
      }
      topics.set(t.name, { name: t.name, topicId: t.topicId, partitions, availablePartitions: available });
    }
    const previous = this.cluster;
    this.cluster = new Cluster(brokers, topics, res.clusterId);
    this.version++;
    if (this.log.enabled) this.logChanges(previous, this.cluster, topicErrors);
    this.lastSuccessfulRefreshMs = nowMs;
    this.lastRefreshMs = nowMs;
    this.attempts = 0;
    this.equivalentResponses = learned ? 0 : this.equivalentResponses + 1;
    this.jitter = this.random();
    // Unknown leaders and stale-metadata errors: ask again, within the backoff.
    if (again) this.requestUpdate();
    return this.cluster;
  }

  /** Debug lines for what an answer changed (see the header). */
  private logChanges(before: Cluster, after: Cluster, topicErrors: { topic: string; error: string }[]): void {
    const added: string[] = [];
    const removed: string[] = [];
    for (const [id, b] of after.brokers) {
      const old = before.brokers.get(id);
      if (!old || old.host !== b.host || old.port !== b.port) added.push(`${id}@${b.host}:${b.port}`);
    }
    for (const [id, b] of before.brokers) {
      const now = after.brokers.get(id);
      if (!now || now.host !== b.host || now.port !== b.port) removed.push(`${id}@${b.host}:${b.port}`);
    }
    if (added.length > 0 || removed.length > 0) this.log.debug({ added, removed, brokers: after.brokers.size }, 'Metadata: brokers changed');

    const newTopics: { topic: string; partitions: number }[] = [];
    const moves: { topic: string; partition: number; leader: number; previousLeader: number; leaderEpoch: number }[] = [];
    let moveCount = 0;
    for (const [name, t] of after.topics) {
      const old = before.topics.get(name);
      if (!old || old.topicId !== t.topicId) {
        newTopics.push({ topic: name, partitions: t.partitions.length });
        continue;
      }
      for (const p of t.partitions) {
        const was = old.partitions[p.partition];
        const previousLeader = was ? was.leader : -1;
        if (previousLeader === p.leader) continue;
        moveCount++;
        if (moves.length < MAX_LOGGED_MOVES) moves.push({ topic: name, partition: p.partition, leader: p.leader, previousLeader, leaderEpoch: p.leaderEpoch });
      }
    }
    if (newTopics.length > 0) this.log.debug({ topics: newTopics }, 'Metadata: topics added');
    if (moveCount > 0) this.log.debug({ count: moveCount, moves }, `Metadata: ${moveCount} partition leader(s) moved`);
    for (const e of topicErrors) this.log.debug(e, `Metadata: topic ${e.topic} has error ${e.error}`);
  }
}
