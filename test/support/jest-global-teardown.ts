/** Jest globalTeardown of the "broker" project: stops the cluster the global setup started. */
import type { GlobalClusterState } from './jest-global-setup';

const CLUSTER_GLOBAL = '__KAFKA_WIRE_TEST_CLUSTER__';

export default async function globalTeardown(): Promise<void> {
  const g = globalThis as Record<string, unknown>;
  const state = g[CLUSTER_GLOBAL] as GlobalClusterState | undefined;
  if (!state) return;
  delete g[CLUSTER_GLOBAL];
  try {
    await state.cluster.stop();
  } finally {
    if (state.previousBootstrap === undefined) delete process.env.KAFKA_BOOTSTRAP;
    else process.env.KAFKA_BOOTSTRAP = state.previousBootstrap;
    delete process.env.KAFKA_VERSION_RUNNING;
  }
}
