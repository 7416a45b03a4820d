/**
 * BrokerPool: one connection per broker node, opened on demand, with reconnect backoff.
 *
 * - Bootstrap servers are used (as pseudo-nodes with negative ids) until metadata names
 *   the real brokers; any of them will do for the first Metadata request.
 * - A failed connect backs off exponentially from reconnect.backoff.ms to
 *   reconnect.backoff.max.ms with 20% jitter, per node, as the Java client does.
 * - Connections idle longer than connections.max.idle.ms are closed and reopened on demand.
 * - The pool refs sockets only while the owner says work is pending, so an idle producer
 *   does not keep the Node process alive.
 * - Backoff deadlines, idle checks and every connection's timeouts use the owner's Clock;
 *   connections open their byte streams through the owner's TransportFactory, if any.
 * - Each node's last failed connection attempt is kept (until one succeeds), so a timeout can
 *   say which brokers could not be reached and why (connectionFailures, lastConnectError).
 * - A broker that cannot be reached or authenticated is a warn log line, rate-limited per
 *   broker address (a bootstrap entry and the node id metadata gives it share one): the first
 *   failure, then again only when the reason changes (ECONNREFUSED to ENOTFOUND, say) or
 *   after warnIntervalMs (max(30 s, reconnect.backoff.max.ms)) of failing with the same
 *   reason; the line counts the failed attempts since. Back to reachable is one info line.
 *
 * Locality: sender loop.
 */
import type * as tls from 'node:tls';
import { exponentialBackoff } from './backoff';
import { Clock, systemClock } from './clock';
import { failureReason, ProducerLog } from '../logger';
import { Connection, RequestObserver, TransportFactory } from './connection';

/** Where a broker listens ("[v6addr]" hosts are kept without brackets). */
export interface BrokerAddress {
  readonly host: string;
  readonly port: number;
}

/** A broker by node id: negative ids are bootstrap servers not yet known by id. */
export interface BrokerNode extends BrokerAddress {
  readonly nodeId: number;
}

export interface BrokerPoolOptions {
  clientId: string;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  reconnectBackoffMs: number;
  reconnectBackoffMaxMs: number;
  connectionsMaxIdleMs: number;
  /** max.in.flight.requests.per.connection: a node at the cap is not least loaded. */
  maxInFlightRequestsPerConnection?: number;
  tls?: tls.ConnectionOptions | true;
  /** Default: the system clock. */
  clock?: Clock;
  /** Default: TCP or TLS sockets. */
  connect?: TransportFactory;
  random?: () => number;
  /** Hook run on a new connection before it is used (e.g. SASL). */
  onConnected?: (conn: Connection) => Promise<void>;
  /** A connection attempt failed (TCP, TLS, ApiVersions or onConnected), with its error. */
  onConnectFailed?: (nodeId: number, err: Error) => void;
  /** Where connection trouble is logged. Default: nowhere. */
  log?: ProducerLog;
  /** Given to every connection (see Connection's onRequestDone). Default: none. */
  onRequestDone?: RequestObserver;
}

/** Shortest time between two warn lines about one broker failing for the same reason. */
export const MIN_WARN_INTERVAL_MS = 30_000;

/** A node whose last connection attempt failed. */
export interface ConnectionFailure {
  /** host:port */
  readonly address: string;
  readonly nodeId: number;
  readonly error: Error;
  readonly atMs: number;
}

/** Per broker address: the last warn line about it, and failures since. */
interface WarnState {
  atMs: number;
  reason: string;
  /** Failed attempts since the warn line. */
  suppressed: number;
  /** Failed attempts since the broker was last reachable. */
  failures: number;
}

interface NodeState {
  address: BrokerNode;
  conn: Connection | null;
  failures: number;
  reconnectAtMs: number;
  connecting: boolean;
  /** The error of the last connection attempt while it failed; null once one succeeds. */
  lastError: Error | null;
  lastErrorAtMs: number;
}

export class BrokerPool {
  private readonly nodes = new Map<number, NodeState>();
  private readonly bootstrap: BrokerNode[];
  private referenced = true;
  private closed = false;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly log: ProducerLog;
  private readonly warnIntervalMs: number;
  private readonly warned = new Map<string, WarnState>();
  /** Called when a connection becomes ready or is lost (the sender wakes up). */
  onChange: () => void = () => {};
  /** Called when a connection closes or a connection attempt fails, before onChange. */
  onDisconnect: (nodeId: number) => void = () => {};
  /** Connections opened (the broker answered ApiVersions), as Java's connection-creation-total. */
  connectionsCreated = 0;
  /** Sessions renewed on a live connection (KIP-368), and renewals that failed and closed their connection. */
  reauthentications = 0;
  failedReauthentications = 0;

  constructor(bootstrap: readonly BrokerAddress[], private readonly opts: BrokerPoolOptions) {
    this.bootstrap = bootstrap.map((b, i) => ({ nodeId: -(i + 1), host: b.host, port: b.port }));
    for (const b of this.bootstrap) this.nodes.set(b.nodeId, this.newState(b));
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.log = opts.log ?? ProducerLog.silent;
    this.warnIntervalMs = Math.max(MIN_WARN_INTERVAL_MS, opts.reconnectBackoffMaxMs);
  }

  private newState(address: BrokerNode): NodeState {
    return { address, conn: null, failures: 0, reconnectAtMs: 0, connecting: false, lastError: null, lastErrorAtMs: 0 };
  }

  /** Updates the known brokers from metadata; connections to removed or moved brokers close. */
  updateBrokers(brokers: Iterable<BrokerNode>): void {
    const seen = new Set<number>();
    for (const b of brokers) {
      seen.add(b.nodeId);
      const s = this.nodes.get(b.nodeId);
      if (!s) this.nodes.set(b.nodeId, this.newState(b));
      else if (s.address.host !== b.host || s.address.port !== b.port) {
        s.conn?.close();
        this.nodes.set(b.nodeId, this.newState(b));
      }
    }
    for (const [id, s] of this.nodes) {
      if (id >= 0 && !seen.has(id)) {
        s.conn?.close();
        this.nodes.delete(id);
      }
    }
  }

  /**
   * Makes a broker known that metadata has not named yet (a coordinator found with
   * FindCoordinator before any Metadata answer); a later metadata update keeps or drops it.
   */
  addNode(b: BrokerNode): void {
    const s = this.nodes.get(b.nodeId);
    if (s && s.address.host === b.host && s.address.port === b.port) return;
    s?.conn?.close();
    this.nodes.set(b.nodeId, this.newState(b));
  }

  /** Connections ready for requests. */
  *readyConnections(): Iterable<Connection> {
    for (const s of this.nodes.values()) if (s.conn && s.conn.state === 'ready') yield s.conn;
  }

  /** The connection to `nodeId` if it is ready for requests, else null (and starts connecting). */
  ready(nodeId: number): Connection | null {
    const s = this.nodes.get(nodeId);
    if (!s) return null;
    if (s.conn && s.conn.state === 'ready') return s.conn;
    this.initiateConnect(s);
    return null;
  }

  /** Whether a connection attempt to `nodeId` may start now (not backing off). */
  canConnect(nodeId: number): boolean {
    const s = this.nodes.get(nodeId);
    return !!s && !s.connecting && this.clock.now() >= s.reconnectAtMs;
  }

  /**
   * Failed connection attempts to `nodeId` since its last successful one; -1 when the node is
   * not known (metadata dropped it, or it never was).
   */
  connectFailures(nodeId: number): number {
    const s = this.nodes.get(nodeId);
    return s ? s.failures : -1;
  }

  /**
   * The error of the last connection attempt to `nodeId` (a broker named by metadata, so
   * nodeId >= 0) if that attempt failed; null when it succeeded, none was made or the node is
   * not known.
   */
  lastConnectError(nodeId: number): Error | null {
    if (nodeId < 0) return null;
    return this.nodes.get(nodeId)?.lastError ?? null;
  }

  /**
   * The nodes (bootstrap servers included) whose last connection attempt failed, one per
   * address, the most recent failure first.
   */
  connectionFailures(): ConnectionFailure[] {
    const byAddress = new Map<string, ConnectionFailure>();
    for (const s of this.nodes.values()) {
      if (!s.lastError) continue;
      const address = addressOf(s.address);
      const seen = byAddress.get(address);
      if (!seen || seen.atMs < s.lastErrorAtMs) byAddress.set(address, { address, nodeId: s.address.nodeId, error: s.lastError, atMs: s.lastErrorAtMs });
    }
    return [...byAddress.values()].sort((a, b) => b.atMs - a.atMs);
  }

  /** Whether some connection is ready for requests. */
  hasReadyConnection(): boolean {
    for (const s of this.nodes.values()) if (s.conn && s.conn.state === 'ready') return true;
    return false;
  }

  /** ms until `nodeId` may be tried again (0 when it may now). */
  reconnectDelayMs(nodeId: number): number {
    const s = this.nodes.get(nodeId);
    return s ? Math.max(0, s.reconnectAtMs - this.clock.now()) : 0;
  }

  private initiateConnect(s: NodeState): void {
    if (s.connecting || this.clock.now() < s.reconnectAtMs) return;
    if (s.conn && s.conn.state !== 'closed') return;
    s.connecting = true;
    const conn = new Connection({
      host: s.address.host,
      port: s.address.port,
      nodeId: s.address.nodeId,
      clientId: this.opts.clientId,
      requestTimeoutMs: this.opts.requestTimeoutMs,
      connectTimeoutMs: this.opts.connectTimeoutMs,
      tls: this.opts.tls,
      clock: this.clock,
      connect: this.opts.connect,
      random: this.random,
      onRequestDone: this.opts.onRequestDone,
    });
    s.conn = conn;
    let established = false;
    // Re-authentication (KIP-368) keeps the connection from the sender while it runs: wake it after.
    conn.on('reauthenticated', () => {
      this.reauthentications++;
      this.onChange();
    });
    conn.on('reauthenticationFailed', () => {
      this.failedReauthentications++;
    });
    conn.on('close', (reason?: Error) => {
      if (s.conn === conn) s.conn = null;
      // A failed attempt is reported below; this is a connection that was in use.
      if (established && !this.closed && this.log.enabled) {
        this.log.debug(
          { broker: addressOf(s.address), nodeId: s.address.nodeId, reason: reason ? failureReason(reason) : undefined, error: reason?.message },
          'Connection to broker closed',
        );
      }
      if (!this.closed) this.onDisconnect(s.address.nodeId);
      this.onChange();
    });
    conn
      .connect()
      .then(() => {
        // Counted once the broker answers ApiVersions, before authentication (Java: at connect).
        this.connectionsCreated++;
        return this.opts.onConnected ? this.opts.onConnected(conn) : undefined;
      })
      .then(
        () => {
          s.connecting = false;
          s.failures = 0;
          s.reconnectAtMs = 0;
          s.lastError = null;
          established = conn.state === 'ready';
          this.noteReachable(s.address);
          conn.setReferenced(this.referenced);
          this.onChange();
        },
        (err: Error) => {
          s.connecting = false;
          s.failures++;
          s.reconnectAtMs = this.clock.now() + this.backoffMs(s.failures);
          s.lastError = err;
          s.lastErrorAtMs = this.clock.now();
          conn.close();
          if (!this.closed) this.noteUnreachable(s.address, err);
          this.opts.onConnectFailed?.(s.address.nodeId, err);
          this.onChange();
        },
      );
  }

  /** A failed attempt: a warn line, unless one about the same reason went out lately (see the header). */
  private noteUnreachable(node: BrokerNode, err: Error): void {
    if (!this.log.enabled) return;
    const address = addressOf(node);
    const reason = failureReason(err);
    const now = this.clock.now();
    const w = this.warned.get(address);
    if (w && w.reason === reason && now - w.atMs < this.warnIntervalMs) {
      w.suppressed++;
      w.failures++;
      return;
    }
    const failures = (w?.failures ?? 0) + 1;
    const fields: Record<string, unknown> = { broker: address, nodeId: node.nodeId, reason, error: err.message, failures };
    if (node.nodeId < 0) fields.bootstrap = true;
    if (w && w.suppressed > 0) fields.suppressed = w.suppressed;
    this.log.warn(fields, `Cannot connect to broker ${address} (${describeNode(node.nodeId)}): ${reason}`);
    this.warned.set(address, { atMs: now, reason, suppressed: 0, failures });
  }

  /** A successful attempt: one info line if the broker had been reported unreachable. */
  private noteReachable(node: BrokerNode): void {
    const address = addressOf(node);
    const w = this.warned.get(address);
    if (!w) return;
    this.warned.delete(address);
    this.log.info({ broker: address, nodeId: node.nodeId, failures: w.failures }, `Broker ${address} (${describeNode(node.nodeId)}) is reachable again`);
  }

  private backoffMs(failures: number): number {
    return exponentialBackoff(this.opts.reconnectBackoffMs, this.opts.reconnectBackoffMaxMs, failures - 1, this.random);
  }

  /**
   * The node with the fewest requests in flight among those with a ready connection below the
   * in-flight cap; else one
   * already connecting; else one we may connect to now: a known broker first, then a bootstrap
   * server (so a cluster whose known brokers are all down is found again from the bootstrap
   * list). Null when every node is backing off; minReconnectDelayMs() then says for how long.
   */
  leastLoadedNode(): number | null {
    let best: number | null = null;
    let bestLoad = Infinity;
    const cap = this.opts.maxInFlightRequestsPerConnection ?? Infinity;
    for (const [id, s] of this.nodes) {
      // Java's leastLoadedNode takes only nodes that can take one more request.
      if (s.conn && s.conn.state === 'ready' && s.conn.inFlightCount < cap && s.conn.inFlightCount < bestLoad) {
        best = id;
        bestLoad = s.conn.inFlightCount;
      }
    }
    if (best !== null) return best;
    const all = [...this.nodes.values()];
    const connecting = all.find((s) => s.connecting && s.address.nodeId >= 0) ?? all.find((s) => s.connecting);
    if (connecting) return connecting.address.nodeId;
    const now = this.clock.now();
    // A ready node left out above is at the cap: a response frees it (and wakes the sender).
    const free = all.filter((s) => now >= s.reconnectAtMs && !(s.conn && s.conn.state === 'ready')).sort((a, b) => a.reconnectAtMs - b.reconnectAtMs);
    const pick = free.find((s) => s.address.nodeId >= 0) ?? free[0];
    return pick ? pick.address.nodeId : null;
  }

  /**
   * ms until some node may be tried again (0 when one is connecting); Infinity when the only
   * usable nodes are at the in-flight cap, whose answers wake the sender.
   */
  minReconnectDelayMs(): number {
    let min = Infinity;
    const now = this.clock.now();
    for (const s of this.nodes.values()) {
      if (s.connecting) return 0;
      if (s.conn && s.conn.state === 'ready') continue; // at the in-flight cap: a response wakes us
      min = Math.min(min, Math.max(0, s.reconnectAtMs - now));
    }
    return min;
  }

  /** Closes connections idle longer than connections.max.idle.ms; returns ms to the next check. */
  closeIdle(): number {
    const now = this.clock.now();
    let next = Infinity;
    for (const s of this.nodes.values()) {
      const c = s.conn;
      if (!c || c.state !== 'ready' || c.inFlightCount > 0) continue;
      const idleFor = now - c.lastActivityMs;
      if (idleFor >= this.opts.connectionsMaxIdleMs) c.close();
      else next = Math.min(next, this.opts.connectionsMaxIdleMs - idleFor);
    }
    return next;
  }

  /** Lets the process exit while nothing is pending (false), or keeps it alive (true). */
  setReferenced(referenced: boolean): void {
    if (this.referenced === referenced) return;
    this.referenced = referenced;
    for (const s of this.nodes.values()) s.conn?.setReferenced(referenced);
  }

  connectionFor(nodeId: number): Connection | null {
    return this.nodes.get(nodeId)?.conn ?? null;
  }

  /** Connections open now (Java's connection-count). */
  get connectionCount(): number {
    let n = 0;
    for (const s of this.nodes.values()) if (s.conn && s.conn.state !== 'closed' && !s.connecting) n++;
    return n;
  }

  close(): void {
    this.closed = true;
    for (const s of this.nodes.values()) s.conn?.close();
    this.nodes.clear();
  }
}

/** host:port, with an IPv6 host in brackets. */
function addressOf(node: BrokerAddress): string {
  return node.host.includes(':') ? `[${node.host}]:${node.port}` : `${node.host}:${node.port}`;
}

function describeNode(nodeId: number): string {
  return nodeId < 0 ? 'bootstrap server' : `node ${nodeId}`;
}
