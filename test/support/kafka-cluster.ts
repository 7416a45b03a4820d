/**
 * Real-broker harness for the conformance and fault tests: the public names, re-exported from
 * the modules under cluster/ (one concern each; test/support/README.md has the table). Import
 * from here, so the layout behind it can change without touching the suites and scripts.
 *
 * Order of choice in startCluster():
 *   1. KAFKA_BOOTSTRAP=host:port       -> that cluster, as it is (stop() does nothing)
 *   2. `java` (17+) and `mvn` on PATH  -> local KRaft broker(s) built from Maven Central jars
 *   3. a reachable Docker engine       -> @testcontainers/kafka (loaded only then)
 *   4. otherwise                       -> an error saying what is needed
 */
export { startCluster } from './cluster/cluster';
export type { BrokerNode, KafkaCluster, StartClusterOptions } from './cluster/types';
export type { ClusterSecurityInfo, ClusterSecurityOptions, HarnessSaslMechanism, NodeSecurityOverrides } from './cluster/security';
export { ensureKafkaJars } from './cluster/jars';
export { probeApiVersions } from './cluster/probe';
export { cleanupLeftovers } from './cluster/pidfiles';
export { DEFAULT_KAFKA_VERSION, KAFKA_WORK_DIR, findOnPath, javaInfo, resolveKafkaVersion, type JavaInfo } from './cluster/env';
export { runCommand, tailOf, withFileLock, type RunResult } from './cluster/util';
