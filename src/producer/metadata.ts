/**
 * ProducerMetadata: the producer's view of the cluster (brokers, topics, partitions,
 * leaders), which topics it asks about, and when to refresh.
 *
 * As the Java client's ProducerMetadata: only topics the producer uses are requested; a
 * topic not used for metadata.max.idle.ms is dropped; the whole view is refreshed every
 * metadata.max.age.ms, and at once when something calls requestUpdate() (unknown topic or
 * leader, NOT_LEADER_OR_FOLLOWER and other stale-metadata errors, disconnects). Failed
 * refreshes back off by retry.backoff.ms. The fetch itself is done by the sender; this
 * class only holds state and answers questions about it.
 */
import { errorInfo } from '../protocol/errors';
import type { MetadataResponse } from '../protocol/messages/metadata';
import type { PartitionerCluster } from './partitioners/partitioner';

export interface BrokerInfo {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
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
}

export class ProducerMetadata {
  cluster: Cluster = Cluster.empty();
  /** Bumped on every successful update. */
  version = 0;
  private readonly topics = new Map<string, TopicEntry>();
  private needUpdate = false;
  private lastSuccessfulRefreshMs = 0;
  private lastFailedRefreshMs = -Infinity;
  /** A new topic was added since the last request: refresh without waiting for backoff. */
  private newTopics = false;

  constructor(private readonly opts: MetadataOptions) {}

  /** Registers use of a topic (send() calls this); returns true when it was new. */
  add(topic: string, nowMs: number): boolean {
    const e = this.topics.get(topic);
    const expiresAtMs = nowMs + this.opts.metadataMaxIdleMs;
    if (e) {
      e.expiresAtMs = expiresAtMs;
      return false;
    }
    this.topics.set(topic, { expiresAtMs, lastErrorCode: 0, lastErrorMessage: null });
    this.newTopics = true;
    this.needUpdate = true;
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

  requestUpdate(): void {
    this.needUpdate = true;
  }

  get updateRequested(): boolean {
    return this.needUpdate;
  }

  /** ms until a refresh is due (0 = now). */
  timeToNextUpdate(nowMs: number): number {
    const backoffUntil = this.lastFailedRefreshMs + this.opts.retryBackoffMs;
    if (this.needUpdate) {
      if (this.newTopics) return 0;
      return Math.max(0, backoffUntil - nowMs);
    }
    const due = this.lastSuccessfulRefreshMs + this.opts.metadataMaxAgeMs;
    return Math.max(0, Math.max(due, backoffUntil) - nowMs);
  }

  /** Topics to put in the next request, after dropping the ones idle too long. */
  topicsToRequest(nowMs: number): string[] {
    for (const [t, e] of this.topics) if (e.expiresAtMs <= nowMs) this.topics.delete(t);
    return [...this.topics.keys()];
  }

  /** Called when a request is sent. */
  markRequested(): void {
    this.newTopics = false;
    this.needUpdate = false;
  }

  failedUpdate(nowMs: number): void {
    this.lastFailedRefreshMs = nowMs;
    this.needUpdate = true;
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
    endpoints: readonly { nodeId: number; host: string; port: number; rack: string | null }[],
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
    return true;
  }

  /** Applies a Metadata response; returns the new cluster. */
  update(res: MetadataResponse, nowMs: number): Cluster {
    const brokers = new Map<number, BrokerInfo>();
    for (const b of res.brokers) brokers.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack });
    const topics = new Map<string, TopicInfo>();
    let partial = false;
    for (const t of res.topics) {
      if (t.name === null) continue;
      const entry = this.topics.get(t.name);
      if (entry) {
        entry.lastErrorCode = t.errorCode;
        entry.lastErrorMessage = t.errorCode ? errorInfo(t.errorCode).message : null;
      }
      if (t.errorCode !== 0) {
        if (errorInfo(t.errorCode).retriable) partial = true;
        continue;
      }
      const partitions: PartitionInfo[] = [];
      const available: number[] = [];
      const known = this.cluster.topics.get(t.name);
      const sameTopic = known !== undefined && known.topicId === t.topicId;
      for (const p of t.partitions) {
        // An answer older than what we know (a broker whose metadata lags a KIP-951 leader hint):
        // keep ours, as Java's Metadata does. Taking it would send the batch back to the old
        // leader, whose hint would then count as a leader change again: a retry loop without backoff.
        const mine = sameTopic ? known.partitions[p.partitionIndex] : undefined;
        if (mine && p.leaderEpoch >= 0 && mine.leaderEpoch > p.leaderEpoch && mine.leader >= 0 && brokers.has(mine.leader)) {
          partitions[p.partitionIndex] = mine;
          continue;
        }
        const leaderKnown = p.leaderId >= 0 && brokers.has(p.leaderId) && p.errorCode !== errorCodeLeaderNotAvailable;
        partitions[p.partitionIndex] = {
          partition: p.partitionIndex,
          leader: leaderKnown ? p.leaderId : -1,
          leaderEpoch: p.leaderEpoch,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
          offline: p.offlineReplicas,
        };
        if (!leaderKnown) partial = true;
      }
      // A gap in partition numbers would be a broken answer: treat the topic as unknown.
      let complete = true;
      for (let i = 0; i < partitions.length; i++) {
        if (!partitions[i]) complete = false;
        else if (partitions[i].leader >= 0) available.push(i);
      }
      if (!complete) {
        partial = true;
        continue;
      }
      topics.set(t.name, { name: t.name, topicId: t.topicId, partitions, availablePartitions: available });
    }
    this.cluster = new Cluster(brokers, topics, res.clusterId);
    this.version++;
    this.lastSuccessfulRefreshMs = nowMs;
    // Unknown leaders and retriable topic errors: ask again after the backoff.
    if (partial) {
      this.needUpdate = true;
      this.lastFailedRefreshMs = nowMs;
    }
    return this.cluster;
  }
}

const errorCodeLeaderNotAvailable = 5;
