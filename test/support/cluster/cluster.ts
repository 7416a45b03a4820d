/**
 * startCluster(): which broker the tests get, in this order:
 *   1. KAFKA_BOOTSTRAP=host:port       -> that cluster, as it is (stop() does nothing)
 *   2. `java` (17+) and `mvn` on PATH  -> local KRaft broker(s) built from Maven Central jars
 *   3. a reachable Docker engine       -> @testcontainers/kafka (see docker.ts)
 *   4. otherwise                       -> an error saying what is needed
 * and the assembly of a local cluster from the other modules of this folder.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { brokerProperties, freePorts, log4j1Config, log4j2Config, randomKafkaUuid, renderProperties } from './config';
import { dockerAvailable, startDockerCluster } from './docker';
import { TMP_PREFIX, findOnPath, javaInfo, minJavaFor, resolveKafkaVersion, type JavaInfo } from './env';
import { brokerClasspath, ensureKafkaJars } from './jars';
import { cleanupLeftovers } from './pidfiles';
import { LocalBroker, cdsArchivePath, jvmOptionsFor, type LaunchSpec } from './process';
import { checkScopes, makeClientTlsMaterial, makeTlsMaterial, planSecurity, securityInfo, securityProps } from './security';
import type { KafkaCluster, StartClusterOptions } from './types';
import { defaultLog } from './util';

const READY_TIMEOUT_MS = 90_000;

async function startLocalCluster(
  version: string,
  java: JavaInfo,
  opts: StartClusterOptions,
  log: (line: string) => void,
): Promise<KafkaCluster> {
  const count = opts.brokers ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > 9) throw new Error(`brokers must be 1..9, got ${count}`);
  await cleanupLeftovers(log);

  const jarsStarted = Date.now();
  const libs = await ensureKafkaJars(version, log);
  const jarsMs = Date.now() - jarsStarted;

  const started = Date.now();
  const classpath = brokerClasspath(libs);
  const security = opts.security ? planSecurity(opts.security, version) : null;
  for (const [id, o] of Object.entries(opts.nodeSecurity ?? {})) {
    if (!security) throw new Error('nodeSecurity needs security');
    if (!(Number(id) >= 1 && Number(id) <= count)) throw new Error(`nodeSecurity: no node ${id} (node ids are 1..${count})`);
    if (o.oauthbearerRequiredScope && !security.options.sasl?.mechanisms.includes('OAUTHBEARER')) {
      throw new Error('nodeSecurity.oauthbearerRequiredScope needs OAUTHBEARER in security.sasl.mechanisms');
    }
    checkScopes(o.oauthbearerRequiredScope);
  }
  const tmpRoot = await fsp.mkdtemp(path.join(os.tmpdir(), TMP_PREFIX));
  const spec: LaunchSpec = {
    java: java.path,
    classpath,
    // System properties of the security plan (the OAuth allowed-URL list) come on top of the
    // profile's (or KAFKA_BROKER_JVM_OPTS') heap/GC/JIT options, which do not replace them.
    jvmOpts: [...jvmOptionsFor(opts.jvmProfile ?? 'fast-start'), ...(security?.jvmProps ?? [])],
    version,
    tmpRoot,
    cdsArchive: cdsArchivePath(version, java, classpath, libs),
    readyTimeoutMs: opts.readyTimeoutMs ?? READY_TIMEOUT_MS,
  };

  const extraListeners = security?.listeners ?? [];
  const ports = await freePorts(count * (2 + extraListeners.length));
  const rf = Math.min(count, 3);
  const voters = Array.from({ length: count }, (_, i) => `${i + 1}@127.0.0.1:${ports[count + i]}`).join(',');
  const nodes: LocalBroker[] = [];
  for (let i = 0; i < count; i++) {
    const nodeId = i + 1;
    const dir = path.join(tmpRoot, `node-${nodeId}`);
    fs.mkdirSync(dir, { recursive: true });
    const node = new LocalBroker(nodeId, ports[i], ports[count + i], dir, spec, i === 0);
    node.extraListeners = extraListeners.map((l, j) => ({ ...l, port: ports[count * (2 + j) + i] }));
    const props = brokerProperties(node, voters, rf, security ? securityProps(security, node, tmpRoot, opts.nodeSecurity?.[nodeId]) : {}, opts.brokerConfig);
    fs.writeFileSync(node.configFile, renderProperties(props));
    fs.writeFileSync(path.join(dir, 'log4j2.properties'), log4j2Config(node.serverLog));
    fs.writeFileSync(path.join(dir, 'log4j.properties'), log4j1Config(node.serverLog));
    nodes.push(node);
  }

  const stopAll = async () => {
    await Promise.all(nodes.map((n) => n.stop().catch(() => n.kill())));
    fs.rmSync(tmpRoot, { recursive: true, force: true, maxRetries: 3 });
  };

  try {
    const clusterId = randomKafkaUuid();
    const tls = security?.ssl ? makeTlsMaterial(java, tmpRoot, security.keystorePassword) : Promise.resolve(undefined);
    const clientTls = security?.options.mtls ? makeClientTlsMaterial(tmpRoot) : Promise.resolve(undefined);
    await Promise.all([tls, clientTls, ...nodes.map((n) => n.format(clusterId, security?.formatArgs ?? []))]);
    if (security) {
      security.caPem = await tls;
      security.client = await clientTls;
    }
    for (const n of nodes) n.launch();
    await Promise.all(nodes.map((n) => n.waitReady(spec.readyTimeoutMs)));
  } catch (e) {
    await Promise.all(nodes.map((n) => n.kill().catch(() => undefined)));
    fs.rmSync(tmpRoot, { recursive: true, force: true, maxRetries: 3 });
    throw e;
  }

  const startMs = Date.now() - started;
  const bootstrap = nodes.map((n) => `${n.host}:${n.port}`).join(',');
  log(
    `Kafka ${version}: ${count} broker(s) ready at ${bootstrap} in ${startMs} ms` +
      ` (jars ${jarsMs} ms, CDS ${spec.cdsArchive && fs.existsSync(spec.cdsArchive) ? 'on' : 'off'})`,
  );
  let stopped: Promise<void> | null = null;
  return {
    bootstrap,
    version,
    brokers: nodes,
    external: false,
    startMs,
    jarsMs,
    stop: () => (stopped ??= stopAll()),
    ...(security ? { security: securityInfo(security, nodes) } : {}),
  };
}

export async function startCluster(opts: StartClusterOptions = {}): Promise<KafkaCluster> {
  const log = opts.log ?? defaultLog;
  const version = resolveKafkaVersion(opts.version);

  // An external cluster's listeners cannot be configured: `security` always starts its own.
  const external = opts.security || opts.local ? undefined : process.env.KAFKA_BOOTSTRAP?.trim();
  if (external) {
    return {
      bootstrap: external,
      version,
      brokers: [],
      external: true,
      startMs: 0,
      jarsMs: 0,
      stop: async () => undefined,
    };
  }

  const java = javaInfo();
  const mvn = findOnPath('mvn');
  const javaOk = java !== null && java.major >= minJavaFor(version);
  if (javaOk && mvn) return startLocalCluster(version, java, opts, log);
  if (opts.security) {
    throw new Error(
      `startCluster({ security }) needs a local broker: Java ${minJavaFor(version)}+ and Maven on PATH ` +
        `(found ${java ? `java ${java.major}` : 'no java'}, ${mvn ? 'mvn' : 'no mvn'}).`,
    );
  }

  if (dockerAvailable()) return startDockerCluster(version, opts, log);

  const found = [
    java ? `java ${java.major} at ${java.path}` : 'no java on PATH',
    mvn ? `mvn at ${mvn}` : 'no mvn on PATH',
    'no reachable Docker engine',
  ].join(', ');
  throw new Error(
    `Cannot start a Kafka ${version} broker: need Java ${minJavaFor(version)}+ and Maven on PATH ` +
      `(local KRaft broker from Maven Central jars), or KAFKA_BOOTSTRAP=host:port of a running broker, ` +
      `or a Docker engine with @testcontainers/kafka installed. Found: ${found}.`,
  );
}
