/**
 * What a node's directory holds before it starts: server.properties (combined KRaft mode,
 * static voters, PLAINTEXT + CONTROLLER listeners on free loopback ports) and the log4j
 * files; plus the ports and the cluster id.
 */
import * as crypto from 'node:crypto';
import * as net from 'node:net';
import * as path from 'node:path';

export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      servers.push(server);
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/** A random Kafka Uuid in its string form: 16 bytes, base64url, no padding, not starting with '-'. */
export function randomKafkaUuid(): string {
  for (;;) {
    const id = crypto.randomBytes(16).toString('base64url');
    if (!id.startsWith('-') && id !== 'AAAAAAAAAAAAAAAAAAAAAA' && id !== 'AAAAAAAAAAAAAAAAAAAAAQ') return id;
  }
}

export function renderProperties(props: Record<string, string>): string {
  const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return `${Object.entries(props)
    .map(([k, v]) => `${k}=${esc(v)}`)
    .join('\n')}\n`;
}

export function log4j2Config(logFile: string): string {
  return renderProperties({
    status: 'error',
    'appender.file.type': 'File',
    'appender.file.name': 'FILE',
    'appender.file.fileName': logFile,
    'appender.file.layout.type': 'PatternLayout',
    'appender.file.layout.pattern': '[%d] %p %m (%c)%n',
    'rootLogger.level': 'INFO',
    'rootLogger.appenderRef.file.ref': 'FILE',
    'logger.state.name': 'state.change.logger',
    'logger.state.level': 'WARN',
  });
}

export function log4j1Config(logFile: string): string {
  return renderProperties({
    'log4j.rootLogger': 'INFO, file',
    'log4j.appender.file': 'org.apache.log4j.FileAppender',
    'log4j.appender.file.File': logFile,
    'log4j.appender.file.layout': 'org.apache.log4j.PatternLayout',
    'log4j.appender.file.layout.ConversionPattern': '[%d] %p %m (%c)%n',
    'log4j.logger.state.change.logger': 'WARN',
  });
}

/** The harness's broker properties for one node; `security` and then `brokerConfig` override them. */
export function brokerProperties(
  node: { nodeId: number; port: number; controllerPort: number; dir: string },
  voters: string,
  rf: number,
  security: Record<string, string>,
  brokerConfig: Record<string, string> | undefined,
): Record<string, string> {
  const { nodeId, dir } = node;
  return {
    'process.roles': 'broker,controller',
    'node.id': String(nodeId),
    'controller.quorum.voters': voters,
    'controller.listener.names': 'CONTROLLER',
    listeners: `PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${node.port}`,
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name': 'PLAINTEXT',
    'log.dirs': path.join(dir, 'data'),
    'offsets.topic.replication.factor': String(rf),
    'offsets.topic.num.partitions': '3',
    'transaction.state.log.replication.factor': String(rf),
    'transaction.state.log.min.isr': String(Math.min(rf, 2)),
    'transaction.state.log.num.partitions': '3',
    // A transaction past its transaction.timeout.ms is aborted within a second, not ten (tests of expiry).
    'transaction.abort.timed.out.transaction.cleanup.interval.ms': '1000',
    'share.coordinator.state.topic.replication.factor': String(rf),
    'share.coordinator.state.topic.min.isr': String(Math.min(rf, 2)),
    'default.replication.factor': String(rf),
    'group.initial.rebalance.delay.ms': '0',
    'auto.create.topics.enable': 'true',
    'num.partitions': '1',
    'delete.topic.enable': 'true',
    'log.cleaner.dedupe.buffer.size': String(16 * 1024 * 1024),
    'num.network.threads': '2',
    'num.io.threads': '4',
    ...security,
    ...brokerConfig,
  };
}
