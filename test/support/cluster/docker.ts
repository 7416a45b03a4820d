/**
 * The Docker fallback, used only when there is no suitable java/mvn: @testcontainers/kafka,
 * loaded here and only here (it is not a dependency), one broker, no `security`.
 */
import { spawnSync } from 'node:child_process';
import { findOnPath } from './env';
import type { KafkaCluster, StartClusterOptions } from './types';

export function dockerAvailable(): boolean {
  if (!findOnPath('docker')) return false;
  const r = spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 15_000 });
  return r.status === 0;
}

/** Confluent Platform image carrying the given Apache Kafka version (cp 7.x = AK 3.x, cp 8.x = AK 4.x). */
function confluentImageFor(version: string): string {
  const [major, minor] = version.split('.').map(Number);
  const cpMajor = major >= 4 ? major + 4 : 7;
  return `confluentinc/cp-kafka:${cpMajor}.${minor}.0`;
}

export async function startDockerCluster(
  version: string,
  opts: StartClusterOptions,
  log: (line: string) => void,
): Promise<KafkaCluster> {
  if ((opts.brokers ?? 1) !== 1) throw new Error('the Docker fallback runs a single broker only');
  const moduleName = '@testcontainers/kafka';
  let mod: { KafkaContainer: new (image: string) => any };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(moduleName);
  } catch (e) {
    throw new Error(
      `Docker is available but ${moduleName} is not installed (npm i -D ${moduleName}); ` +
        `or install Java 17 + Maven, or set KAFKA_BOOTSTRAP=host:port. (${(e as Error).message})`,
    );
  }
  const image = process.env.KAFKA_DOCKER_IMAGE || confluentImageFor(version);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.brokerConfig ?? {})) env[`KAFKA_${k.toUpperCase().replace(/\./g, '_')}`] = v;
  const started = Date.now();
  log(`starting ${image} with testcontainers`);
  const container = await new mod.KafkaContainer(image).withKraft().withEnvironment(env).start();
  const bootstrap = `${container.getHost()}:${container.getMappedPort(9093)}`;
  const startMs = Date.now() - started;
  log(`Kafka (${image}) ready at ${bootstrap} in ${startMs} ms`);
  let stopped: Promise<void> | null = null;
  return {
    bootstrap,
    version,
    brokers: [],
    external: false,
    startMs,
    jarsMs: 0,
    stop: () => (stopped ??= Promise.resolve(container.stop()).then(() => undefined)),
  };
}
