/**
 * Extra SASL_PLAINTEXT / SSL / SASL_SSL listeners: the options, the broker properties and
 * SCRAM format arguments they need, the self-signed TLS material (JDK keytool), and the
 * addresses handed back to the tests.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findOnPath, type JavaInfo } from './env';
import { runCommand, tailOf } from './util';

export type HarnessSaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

/**
 * Extra listeners next to PLAINTEXT (which the verifier and admin work keep using):
 * - sasl: a SASL_PLAINTEXT listener with these mechanisms. PLAIN users are listed in the
 *   listener's JAAS config; SCRAM users are stored at format time (kafka-storage format
 *   --add-scram, KRaft, Kafka 3.5+), for every SCRAM mechanism asked for. Usernames and
 *   passwords are limited to [A-Za-z0-9._-] so they need no quoting in either place.
 * - ssl: an SSL listener with a self-signed certificate (CN=localhost, SAN DNS:localhost and
 *   IP:127.0.0.1) made with the JDK's keytool at start.
 * - both: also a SASL_SSL listener.
 * Each listener advertises its own address, so metadata fetched through it names it.
 * Local brokers only: with `security`, KAFKA_BOOTSTRAP is ignored, and Docker is not used.
 */
export interface ClusterSecurityOptions {
  sasl?: { mechanisms: HarnessSaslMechanism[]; users: { username: string; password: string }[] };
  ssl?: boolean;
}

export interface ClusterSecurityInfo {
  /** "127.0.0.1:PORT[,...]" of each extra listener that was asked for. */
  saslPlaintext?: string;
  ssl?: string;
  saslSsl?: string;
  /** The brokers' certificate, PEM (self-signed, so it is its own CA): pass as `ssl: { ca }`. */
  caPem?: string;
}

export type ExtraListenerName = 'SASL_PLAINTEXT' | 'SSL' | 'SASL_SSL';

/** The parts of a local broker the listener settings are made from. */
interface SecuredNode {
  host: string;
  port: number;
  controllerPort: number;
  extraListeners: { name: ExtraListenerName; port: number }[];
}

export interface SecurityPlan {
  options: ClusterSecurityOptions;
  listeners: { name: ExtraListenerName }[];
  ssl: boolean;
  keystorePassword: string;
  formatArgs: string[];
  caPem?: string;
}

const SIMPLE_CREDENTIAL = /^[A-Za-z0-9._-]+$/;

export function planSecurity(options: ClusterSecurityOptions): SecurityPlan {
  const sasl = options.sasl;
  const listeners: { name: ExtraListenerName }[] = [];
  if (sasl) listeners.push({ name: 'SASL_PLAINTEXT' });
  if (options.ssl) listeners.push({ name: 'SSL' });
  if (sasl && options.ssl) listeners.push({ name: 'SASL_SSL' });
  const formatArgs: string[] = [];
  if (sasl) {
    if (sasl.mechanisms.length === 0) throw new Error('security.sasl.mechanisms is empty');
    for (const m of sasl.mechanisms) if (!['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'].includes(m)) throw new Error(`unknown SASL mechanism ${m}`);
    for (const u of sasl.users) {
      if (!SIMPLE_CREDENTIAL.test(u.username) || !SIMPLE_CREDENTIAL.test(u.password)) {
        throw new Error(`harness SASL users need [A-Za-z0-9._-] usernames and passwords, got ${JSON.stringify(u.username)}`);
      }
    }
    for (const m of sasl.mechanisms) {
      if (!m.startsWith('SCRAM-')) continue;
      for (const u of sasl.users) formatArgs.push('--add-scram', `${m}=[name=${u.username},password=${u.password}]`);
    }
  }
  return { options, listeners, ssl: !!options.ssl, keystorePassword: crypto.randomBytes(12).toString('hex'), formatArgs };
}

/** Broker properties for the extra listeners of one node (they replace the three listener settings). */
export function securityProps(plan: SecurityPlan, node: SecuredNode, tmpRoot: string): Record<string, string> {
  const props: Record<string, string> = {};
  const names = node.extraListeners.map((l) => l.name);
  const urls = node.extraListeners.map((l) => `${l.name}://${node.host}:${l.port}`);
  const plaintext = `PLAINTEXT://${node.host}:${node.port}`;
  props.listeners = [plaintext, `CONTROLLER://${node.host}:${node.controllerPort}`, ...urls].join(',');
  props['advertised.listeners'] = [plaintext, ...urls].join(',');
  props['listener.security.protocol.map'] = ['PLAINTEXT:PLAINTEXT', 'CONTROLLER:PLAINTEXT', ...names.map((n) => `${n}:${n}`)].join(',');
  const sasl = plan.options.sasl;
  if (sasl) {
    props['sasl.enabled.mechanisms'] = sasl.mechanisms.join(',');
    for (const listener of names.filter((n) => n.startsWith('SASL_'))) {
      for (const m of sasl.mechanisms) {
        const users = sasl.users.map((u) => ` user_${u.username}="${u.password}"`).join('');
        props[`listener.name.${listener.toLowerCase()}.${m.toLowerCase()}.sasl.jaas.config`] =
          m === 'PLAIN'
            ? `org.apache.kafka.common.security.plain.PlainLoginModule required${users};`
            : 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
      }
    }
  }
  if (plan.ssl) {
    props['ssl.keystore.type'] = 'PKCS12';
    props['ssl.keystore.location'] = path.join(tmpRoot, 'tls', 'broker.p12');
    props['ssl.keystore.password'] = plan.keystorePassword;
    props['ssl.key.password'] = plan.keystorePassword;
    props['ssl.client.auth'] = 'none';
  }
  return props;
}

/** A self-signed key pair in a PKCS12 keystore under tmpRoot/tls; resolves to the certificate's PEM. */
export async function makeTlsMaterial(java: JavaInfo, tmpRoot: string, password: string): Promise<string> {
  const keytool = findOnPath('keytool') ?? path.join(path.dirname(fs.realpathSync(java.path)), 'keytool');
  const dir = path.join(tmpRoot, 'tls');
  fs.mkdirSync(dir, { recursive: true });
  const keystore = path.join(dir, 'broker.p12');
  const pemFile = path.join(dir, 'broker.pem');
  const common = ['-keystore', keystore, '-storetype', 'PKCS12', '-storepass', password, '-alias', 'broker', '-noprompt'];
  const gen = await runCommand(
    keytool,
    ['-genkeypair', ...common, '-keypass', password, '-keyalg', 'EC', '-groupname', 'secp256r1', '-validity', '30', '-dname', 'CN=localhost', '-ext', 'SAN=dns:localhost,ip:127.0.0.1'],
    { timeoutMs: 60_000 },
  );
  if (gen.code !== 0) throw new Error(`keytool -genkeypair failed (exit ${gen.code}):\n${tailOf(gen.output, 20)}`);
  const exp = await runCommand(keytool, ['-exportcert', '-rfc', ...common, '-file', pemFile], { timeoutMs: 60_000 });
  if (exp.code !== 0) throw new Error(`keytool -exportcert failed (exit ${exp.code}):\n${tailOf(exp.output, 20)}`);
  return fs.readFileSync(pemFile, 'utf8');
}

export function securityInfo(plan: SecurityPlan, nodes: SecuredNode[]): ClusterSecurityInfo {
  const info: ClusterSecurityInfo = {};
  const addressesOf = (name: ExtraListenerName) =>
    nodes.map((n) => `${n.host}:${n.extraListeners.find((l) => l.name === name)!.port}`).join(',');
  for (const { name } of plan.listeners) {
    if (name === 'SASL_PLAINTEXT') info.saslPlaintext = addressesOf(name);
    else if (name === 'SSL') info.ssl = addressesOf(name);
    else info.saslSsl = addressesOf(name);
  }
  if (plan.caPem) info.caPem = plan.caPem;
  return info;
}
