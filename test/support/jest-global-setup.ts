/**
 * Jest globalSetup of the "broker" project: one Kafka cluster for every broker-backed suite.
 * Workers inherit KAFKA_BOOTSTRAP (where the broker is) and KAFKA_VERSION_RUNNING (its
 * version, which the Java verifier is built for). With KAFKA_BOOTSTRAP already set, that
 * cluster is used as it is.
 */
import { ensureKafkaJars, findOnPath, resolveKafkaVersion, startCluster, type KafkaCluster } from './kafka-cluster';
import { buildVerifier } from './verifier';

export const CLUSTER_GLOBAL = '__KAFKA_WIRE_TEST_CLUSTER__';

export interface GlobalClusterState {
  cluster: KafkaCluster;
  /** KAFKA_BOOTSTRAP as it was before setup (restored by the teardown). */
  previousBootstrap: string | undefined;
}

export default async function globalSetup(): Promise<void> {
  const previousBootstrap = process.env.KAFKA_BOOTSTRAP;
  const started = Date.now();
  const version = resolveKafkaVersion();
  // The harness's own progress lines (jar downloads, leftovers) go to stderr; its "ready" line
  // is replaced by the single summary line below.
  const log = (line: string) => {
    if (!line.includes(' ready at ')) process.stderr.write(`[kafka-cluster] ${line}\n`);
  };
  // Broker jars first (instant when present), so two Maven runs never fill ~/.m2 at once;
  // then start the broker and build the verifier side by side.
  if (!process.env.KAFKA_BOOTSTRAP && findOnPath('java') && findOnPath('mvn')) await ensureKafkaJars(version, log);
  const clusterP = startCluster({ version, log });
  const verifierP = buildVerifier(version);
  const [cluster, verifier] = await Promise.allSettled([clusterP, verifierP]);
  if (cluster.status === 'rejected') throw cluster.reason;
  if (verifier.status === 'rejected') {
    await cluster.value.stop();
    throw verifier.reason;
  }
  const c = cluster.value;
  process.env.KAFKA_BOOTSTRAP = c.bootstrap;
  process.env.KAFKA_VERSION_RUNNING = c.version;
  const state: GlobalClusterState = { cluster: c, previousBootstrap };
  (globalThis as Record<string, unknown>)[CLUSTER_GLOBAL] = state;
  const how = c.external ? 'external cluster' : `broker start ${c.startMs} ms`;
  process.stdout.write(
    `\n[kafka-wire] Kafka ${c.version} at ${c.bootstrap} (${how}; setup ${Date.now() - started} ms incl. jars and verifier)\n`,
  );
}
