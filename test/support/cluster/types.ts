/** The public shapes of the harness: a cluster, its nodes, and startCluster()'s options. */
import type { ClusterSecurityInfo, ClusterSecurityOptions, NodeSecurityOverrides } from './security';

export interface BrokerNode {
  nodeId: number;
  host: string;
  port: number;
  /** SIGTERM (controlled shutdown), wait for exit; SIGKILL after 20 s. */
  stop(): Promise<void>;
  /** SIGKILL, wait for exit. */
  kill(): Promise<void>;
  /** Start again with the same data dir and ports; resolves when the broker answers. */
  start(): Promise<void>;
  isRunning(): boolean;
}

export interface KafkaCluster {
  /** "127.0.0.1:PORT[,127.0.0.1:PORT...]" */
  bootstrap: string;
  version: string;
  /** Empty for an external or Docker cluster (they cannot be stopped node by node). */
  brokers: BrokerNode[];
  external: boolean;
  /** Milliseconds from "jars present" to "every broker answers ApiVersions" (0 if external). */
  startMs: number;
  /** Milliseconds spent making sure the broker jars are present (Maven), 0 if not local. */
  jarsMs: number;
  /** Stops every broker and deletes their data (does nothing for an external cluster). */
  stop(): Promise<void>;
  /** The extra listeners asked for with `security` (the PLAINTEXT `bootstrap` stays). */
  security?: ClusterSecurityInfo;
}

export interface StartClusterOptions {
  brokers?: number;
  version?: string;
  /** Extra broker properties, applied to every node (override the harness defaults). */
  brokerConfig?: Record<string, string>;
  /** Progress lines; default: stderr with a "[kafka-cluster]" prefix. */
  log?: (line: string) => void;
  /**
   * 'fast-start' (default): C1-only JIT, serial GC, 512 MB heap -- quickest start, fine for tests.
   * 'throughput': full JIT, G1, 1 GB heap -- for benchmarks against a long-lived broker.
   * KAFKA_BROKER_JVM_OPTS (space separated) replaces either.
   */
  jvmProfile?: 'fast-start' | 'throughput';
  /** Default 90 s. */
  readyTimeoutMs?: number;
  /** Extra SASL_PLAINTEXT / SSL / SASL_SSL / OAUTH_JWT / MTLS listeners (see ClusterSecurityOptions). */
  security?: ClusterSecurityOptions;
  /** Per node id (1..brokers): where that node's security differs from `security`. */
  nodeSecurity?: Record<number, NodeSecurityOverrides>;
  /**
   * Start local brokers even when KAFKA_BOOTSTRAP is set: for suites that need a broker of
   * their own (configured listeners, proxies, restarts).
   */
  local?: boolean;
}
