/**
 * Extra listeners next to PLAINTEXT: SASL_PLAINTEXT / SSL / SASL_SSL, an OAUTHBEARER listener
 * validating JWTs against a JWKS (OAUTH_JWT), and a mutual-TLS listener (MTLS). The options,
 * the broker properties, SCRAM format arguments and JVM system properties they need, the TLS
 * material (JDK keytool for the broker's certificate, openssl for the client CA and client
 * certificates), and the addresses handed back to the tests.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findOnPath, type JavaInfo } from './env';
import { runCommand, tailOf } from './util';

export type HarnessSaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER';

/**
 * Extra listeners next to PLAINTEXT (which the verifier and admin work keep using):
 * - sasl: a SASL_PLAINTEXT listener with these mechanisms. PLAIN users are listed in the
 *   listener's JAAS config; SCRAM users are stored at format time (kafka-storage format
 *   --add-scram, KRaft, Kafka 3.5+), for every SCRAM mechanism asked for. Usernames and
 *   passwords are limited to [A-Za-z0-9._-] so they need no quoting in either place.
 *   OAUTHBEARER uses the broker's unsecured validator (OAuthBearerUnsecuredValidatorCallbackHandler,
 *   Kafka's default): it takes an unsecured JWS (alg "none", empty signature) with `sub`, `iat`
 *   and `exp` claims, checks the times and the scope, and no signature.
 * - ssl: an SSL listener with a self-signed certificate (CN=localhost, SAN DNS:localhost and
 *   IP:127.0.0.1) made with the JDK's keytool at start.
 * - sasl and ssl: also a SASL_SSL listener (same mechanisms).
 * - oauthJwks: a second SASL_PLAINTEXT listener, OAUTH_JWT, with OAUTHBEARER only, validated by
 *   OAuthBearerValidatorCallbackHandler against the JWKS at `jwksUrl` (signature, exp/iat with
 *   the clock skew, and issuer/audience when given; on Kafka 4.1+ through BrokerJwtValidator,
 *   named explicitly). The broker fetches the JWKS at start, so the server behind the URL must
 *   already answer (test/support/oidc-server.ts); the URL goes in the broker JVM's
 *   org.apache.kafka.sasl.oauthbearer.allowed.urls.
 * - reauthMs: connections.max.reauth.ms on every SASL listener and mechanism (KIP-368): the
 *   broker tells clients a session lifetime of at most this, and closes a connection used
 *   past it without re-authenticating.
 * - mtls: an SSL listener, MTLS, that requires a client certificate signed by a test CA (see
 *   ClusterSecurityInfo for the client material). It uses the same broker certificate as `ssl`.
 * Each listener advertises its own address, so metadata fetched through it names it.
 * Local brokers only: with `security`, KAFKA_BOOTSTRAP is ignored, and Docker is not used.
 */
export interface ClusterSecurityOptions {
  sasl?: {
    mechanisms: HarnessSaslMechanism[];
    /** PLAIN and SCRAM users; not needed for OAUTHBEARER alone. */
    users?: { username: string; password: string }[];
    /** Options of the unsecured OAUTHBEARER validator (JAAS options unsecuredValidator*). */
    oauthbearer?: {
      /** Tolerance on iat/exp (default 0 here and in Kafka). */
      allowableClockSkewMs?: number;
      /** Scopes every token must have (space separated in the JAAS option). */
      requiredScope?: string[];
    };
  };
  ssl?: boolean;
  oauthJwks?: {
    jwksUrl: string;
    /** sasl.oauthbearer.expected.issuer: the token's `iss` must equal it. */
    issuer?: string;
    /** sasl.oauthbearer.expected.audience: the token's `aud` must contain one of them. */
    audience?: string | string[];
    /** sasl.oauthbearer.clock.skew.seconds (Kafka's default: 30). */
    clockSkewSeconds?: number;
    /** More URLs for the allowed-URL list (e.g. a token endpoint); the JWKS URL is always in it. */
    extraAllowedUrls?: string[];
  };
  reauthMs?: number;
  mtls?: boolean;
}

/** Per-node differences from ClusterSecurityOptions (StartClusterOptions.nodeSecurity). */
export interface NodeSecurityOverrides {
  /**
   * Replaces `sasl.oauthbearer.requiredScope` on this node's unsecured OAUTHBEARER listeners:
   * e.g. a token that authenticates on one broker and not on another.
   */
  oauthbearerRequiredScope?: string[];
}

export interface ClusterSecurityInfo {
  /** "127.0.0.1:PORT[,...]" of each extra listener that was asked for. */
  saslPlaintext?: string;
  ssl?: string;
  saslSsl?: string;
  /** The OAUTHBEARER listener validating against the JWKS (`oauthJwks`). */
  oauthJwt?: string;
  /** The listener that requires a client certificate (`mtls`). */
  mtls?: string;
  /** The brokers' certificate, PEM (self-signed, so it is its own CA): pass as `ssl: { ca }`. */
  caPem?: string;
  /** With `mtls`: the CA the MTLS listener trusts, and a client certificate (CN=kafka-wire-client) it signed. */
  clientCaPem?: string;
  clientCertPem?: string;
  /** PKCS#8 PEM, unencrypted. */
  clientKeyPem?: string;
  /** The same certificate and key as PKCS#12, encrypted with clientPfxPassphrase. */
  clientPfx?: Buffer;
  clientPfxPassphrase?: string;
  /** A client certificate and key signed by a CA the broker does not trust (negative tests). */
  untrustedCertPem?: string;
  untrustedKeyPem?: string;
}

export type ExtraListenerName = 'SASL_PLAINTEXT' | 'SSL' | 'SASL_SSL' | 'OAUTH_JWT' | 'MTLS';

/** The security protocol behind each listener name (listener.security.protocol.map). */
const PROTOCOL_OF: Record<ExtraListenerName, string> = {
  SASL_PLAINTEXT: 'SASL_PLAINTEXT',
  SSL: 'SSL',
  SASL_SSL: 'SASL_SSL',
  OAUTH_JWT: 'SASL_PLAINTEXT',
  MTLS: 'SSL',
};

/** The parts of a local broker the listener settings are made from. */
interface SecuredNode {
  host: string;
  port: number;
  controllerPort: number;
  extraListeners: { name: ExtraListenerName; port: number }[];
}

export interface SecurityPlan {
  options: ClusterSecurityOptions;
  /** Kafka 4.1+: the JWT validator class must be named (see securityProps). */
  namesJwtValidator: boolean;
  listeners: { name: ExtraListenerName }[];
  /** A broker keystore is needed (ssl or mtls). */
  ssl: boolean;
  keystorePassword: string;
  formatArgs: string[];
  /** JVM system properties for the broker (-D...). */
  jvmProps: string[];
  caPem?: string;
  client?: ClientTlsMaterial;
}

export interface ClientTlsMaterial {
  caPem: string;
  certPem: string;
  keyPem: string;
  pfx: Buffer;
  pfxPassphrase: string;
  untrustedCertPem: string;
  untrustedKeyPem: string;
}

const SIMPLE_CREDENTIAL = /^[A-Za-z0-9._-]+$/;
const OAUTH_UNSECURED_LOGIN = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule';
const OAUTH_VALIDATOR = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler';
const BROKER_JWT_VALIDATOR = 'org.apache.kafka.common.security.oauthbearer.BrokerJwtValidator';
/**
 * Kafka 4.x fetches a JWKS / token URL only if this JVM system property lists it (default
 * empty: nothing is allowed, and a broker with a JWKS URL exits at start); 3.9.1 (the
 * CVE-2025-27817 fix) checks it too, but allows every URL while it is unset.
 */
export const ALLOWED_OAUTH_URLS_PROPERTY = 'org.apache.kafka.sasl.oauthbearer.allowed.urls';

/** Whether Kafka `version` ("4.1.1") is at least major.minor. */
function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [ma, mi] = version.split('.').map((n) => parseInt(n, 10));
  return ma > major || (ma === major && (mi || 0) >= minor);
}

/** RFC 6749 scope-token characters only: they need no quoting in a JAAS option. */
export function checkScopes(scopes: string[] | undefined): void {
  for (const s of scopes ?? []) if (!/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s)) throw new Error(`bad OAuth scope ${JSON.stringify(s)}`);
}

export function planSecurity(options: ClusterSecurityOptions, version: string): SecurityPlan {
  const sasl = options.sasl;
  const listeners: { name: ExtraListenerName }[] = [];
  if (sasl) listeners.push({ name: 'SASL_PLAINTEXT' });
  if (options.ssl) listeners.push({ name: 'SSL' });
  if (sasl && options.ssl) listeners.push({ name: 'SASL_SSL' });
  if (options.oauthJwks) listeners.push({ name: 'OAUTH_JWT' });
  if (options.mtls) listeners.push({ name: 'MTLS' });
  const formatArgs: string[] = [];
  const jvmProps: string[] = [];
  if (sasl) {
    if (sasl.mechanisms.length === 0) throw new Error('security.sasl.mechanisms is empty');
    for (const m of sasl.mechanisms) if (!['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'].includes(m)) throw new Error(`unknown SASL mechanism ${m}`);
    const users = sasl.users ?? [];
    for (const u of users) {
      if (!SIMPLE_CREDENTIAL.test(u.username) || !SIMPLE_CREDENTIAL.test(u.password)) {
        throw new Error(`harness SASL users need [A-Za-z0-9._-] usernames and passwords, got ${JSON.stringify(u.username)}`);
      }
    }
    for (const m of sasl.mechanisms) {
      if (!m.startsWith('SCRAM-')) continue;
      for (const u of users) formatArgs.push('--add-scram', `${m}=[name=${u.username},password=${u.password}]`);
    }
    checkScopes(sasl.oauthbearer?.requiredScope);
    const skew = sasl.oauthbearer?.allowableClockSkewMs;
    if (skew !== undefined && (!Number.isInteger(skew) || skew < 0)) throw new Error(`security.sasl.oauthbearer.allowableClockSkewMs must be an integer >= 0, got ${skew}`);
  }
  const jwks = options.oauthJwks;
  if (jwks) {
    const urls = [jwks.jwksUrl, ...(jwks.extraAllowedUrls ?? [])];
    for (const u of urls) if (!/^https?:\/\/[^\s,]+$/.test(u)) throw new Error(`security.oauthJwks: ${JSON.stringify(u)} is not an http(s) URL without commas`);
    // Exact URLs, comma separated (Kafka compares the whole URL string).
    jvmProps.push(`-D${ALLOWED_OAUTH_URLS_PROPERTY}=${urls.join(',')}`);
    const audiences = jwks.audience === undefined ? [] : Array.isArray(jwks.audience) ? jwks.audience : [jwks.audience];
    // expected.audience is a comma-separated list property.
    for (const a of audiences) if (a.includes(',') || a === '') throw new Error(`security.oauthJwks.audience ${JSON.stringify(a)} cannot be configured`);
  }
  if (options.reauthMs !== undefined && (!Number.isInteger(options.reauthMs) || options.reauthMs <= 0)) {
    throw new Error(`security.reauthMs must be a positive integer, got ${options.reauthMs}`);
  }
  return {
    options,
    namesJwtValidator: versionAtLeast(version, 4, 1),
    listeners,
    ssl: !!options.ssl || !!options.mtls,
    keystorePassword: crypto.randomBytes(12).toString('hex'),
    formatArgs,
    jvmProps,
  };
}

/**
 * The JAAS line of an OAUTHBEARER listener using the unsecured validator. The broker logs in
 * with every enabled mechanism at start, even on a listener it only serves: without a `sub`
 * for its own unsecured token the login fails ("No principal name in JWT claim: sub") and the
 * broker exits. Clock skew 0 is Kafka's default, spelled out so tests see the bound.
 */
function unsecuredOauthJaas(opts: NonNullable<ClusterSecurityOptions['sasl']>['oauthbearer']): string {
  const parts = [OAUTH_UNSECURED_LOGIN, 'required', 'unsecuredLoginStringClaim_sub="kafka-broker"'];
  parts.push(`unsecuredValidatorAllowableClockSkewMs="${opts?.allowableClockSkewMs ?? 0}"`);
  if (opts?.requiredScope?.length) parts.push(`unsecuredValidatorRequiredScope="${opts.requiredScope.join(' ')}"`);
  return `${parts.join(' ')};`;
}

/** Broker properties for the extra listeners of one node (they replace the three listener settings). */
export function securityProps(plan: SecurityPlan, node: SecuredNode, tmpRoot: string, overrides: NodeSecurityOverrides = {}): Record<string, string> {
  const props: Record<string, string> = {};
  const names = node.extraListeners.map((l) => l.name);
  const urls = node.extraListeners.map((l) => `${l.name}://${node.host}:${l.port}`);
  const plaintext = `PLAINTEXT://${node.host}:${node.port}`;
  props.listeners = [plaintext, `CONTROLLER://${node.host}:${node.controllerPort}`, ...urls].join(',');
  props['advertised.listeners'] = [plaintext, ...urls].join(',');
  props['listener.security.protocol.map'] = ['PLAINTEXT:PLAINTEXT', 'CONTROLLER:PLAINTEXT', ...names.map((n) => `${n}:${PROTOCOL_OF[n]}`)].join(',');
  /** Mechanisms per SASL listener, for connections.max.reauth.ms. */
  const saslListeners: { listener: string; mechanisms: string[] }[] = [];
  const sasl = plan.options.sasl;
  if (sasl) {
    props['sasl.enabled.mechanisms'] = sasl.mechanisms.join(',');
    const users = (sasl.users ?? []).map((u) => ` user_${u.username}="${u.password}"`).join('');
    for (const listener of names.filter((n) => n === 'SASL_PLAINTEXT' || n === 'SASL_SSL')) {
      const l = listener.toLowerCase();
      saslListeners.push({ listener: l, mechanisms: sasl.mechanisms });
      for (const m of sasl.mechanisms) {
        props[`listener.name.${l}.${m.toLowerCase()}.sasl.jaas.config`] =
          m === 'PLAIN'
            ? `org.apache.kafka.common.security.plain.PlainLoginModule required${users};`
            : m === 'OAUTHBEARER'
              ? unsecuredOauthJaas({ ...sasl.oauthbearer, ...(overrides.oauthbearerRequiredScope ? { requiredScope: overrides.oauthbearerRequiredScope } : {}) })
              : 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
      }
    }
  }
  const jwks = plan.options.oauthJwks;
  if (jwks) {
    // Its own mechanism list, so `sasl.enabled.mechanisms` of the other listeners is untouched.
    const p = 'listener.name.oauth_jwt.';
    saslListeners.push({ listener: 'oauth_jwt', mechanisms: ['OAUTHBEARER'] });
    props[`${p}sasl.enabled.mechanisms`] = 'OAUTHBEARER';
    // The login side only (see unsecuredOauthJaas); validation is the handler's below.
    props[`${p}oauthbearer.sasl.jaas.config`] = `${OAUTH_UNSECURED_LOGIN} required unsecuredLoginStringClaim_sub="kafka-broker";`;
    props[`${p}oauthbearer.sasl.server.callback.handler.class`] = OAUTH_VALIDATOR;
    if (plan.namesJwtValidator) {
      // Kafka 4.1 (KIP-1139) made the validator pluggable, and its default, DefaultJwtValidator,
      // instantiated by OAuthBearerValidatorCallbackHandler without a key resolver, falls back to
      // ClientJwtValidator: no signature, issuer or audience check at all (seen on 4.1.1).
      // BrokerJwtValidator builds the JWKS resolver itself. Listener-prefixed only: the handler
      // reads this key without the mechanism prefix. 3.9 has neither the key nor the class.
      props[`${p}sasl.oauthbearer.jwt.validator.class`] = BROKER_JWT_VALIDATOR;
    }
    props[`${p}oauthbearer.sasl.oauthbearer.jwks.endpoint.url`] = jwks.jwksUrl;
    if (jwks.issuer !== undefined) props[`${p}oauthbearer.sasl.oauthbearer.expected.issuer`] = jwks.issuer;
    if (jwks.audience !== undefined) {
      props[`${p}oauthbearer.sasl.oauthbearer.expected.audience`] = (Array.isArray(jwks.audience) ? jwks.audience : [jwks.audience]).join(',');
    }
    if (jwks.clockSkewSeconds !== undefined) props[`${p}oauthbearer.sasl.oauthbearer.clock.skew.seconds`] = String(jwks.clockSkewSeconds);
  }
  if (plan.options.reauthMs !== undefined) {
    // Listener- and mechanism-prefixed, so only the SASL listeners asked for get it (the plain
    // broker property works too on 3.9.1 and 4.1.1, for every SASL listener).
    for (const { listener, mechanisms } of saslListeners) {
      for (const m of mechanisms) props[`listener.name.${listener}.${m.toLowerCase()}.connections.max.reauth.ms`] = String(plan.options.reauthMs);
    }
  }
  if (plan.ssl) {
    props['ssl.keystore.type'] = 'PKCS12';
    props['ssl.keystore.location'] = path.join(tmpRoot, 'tls', 'broker.p12');
    props['ssl.keystore.password'] = plan.keystorePassword;
    props['ssl.key.password'] = plan.keystorePassword;
    props['ssl.client.auth'] = 'none';
  }
  if (plan.options.mtls) {
    // Listener-prefixed SSL settings override the shared ones key by key: same keystore, but
    // a client certificate is required and checked against the test client CA only.
    props['listener.name.mtls.ssl.client.auth'] = 'required';
    props['listener.name.mtls.ssl.truststore.type'] = 'PEM';
    props['listener.name.mtls.ssl.truststore.location'] = path.join(tmpRoot, 'tls', 'client-ca.pem');
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

const OPENSSL_CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[client_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

/**
 * Client-side TLS material for the MTLS listener, made with openssl (Node cannot sign
 * certificates): a CA (written to tmpRoot/tls/client-ca.pem, the listener's truststore), a
 * client certificate + key it signs, the same as PKCS#12 with a passphrase, and a client
 * certificate from a second CA the broker does not know. EC P-256 keys: quick to make.
 */
export async function makeClientTlsMaterial(tmpRoot: string): Promise<ClientTlsMaterial> {
  const openssl = findOnPath('openssl') ?? '/usr/bin/openssl';
  const dir = path.join(tmpRoot, 'tls');
  fs.mkdirSync(dir, { recursive: true });
  const cnf = path.join(dir, 'openssl.cnf');
  fs.writeFileSync(cnf, OPENSSL_CONFIG);
  const f = (name: string) => path.join(dir, name);
  const run = async (args: string[]) => {
    const r = await runCommand(openssl, args, { timeoutMs: 30_000 });
    if (r.code !== 0) throw new Error(`openssl ${args[0]} failed (exit ${r.code}):\n${tailOf(r.output, 20)}`);
  };
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const serial = () => `0x${crypto.randomBytes(8).toString('hex')}`;
  /** A CA, then a client certificate signed by it. */
  const chain = async (prefix: string, caCn: string, clientCn: string) => {
    await run(['req', '-x509', '-config', cnf, '-extensions', 'ca_ext', ...newKey, '-keyout', f(`${prefix}ca.key`), '-out', f(`${prefix}ca.pem`), '-days', '30', '-subj', `/CN=${caCn}`, '-set_serial', serial()]);
    await run(['req', '-new', '-config', cnf, ...newKey, '-keyout', f(`${prefix}client.key`), '-out', f(`${prefix}client.csr`), '-subj', `/CN=${clientCn}`]);
    await run([
      'x509', '-req', '-in', f(`${prefix}client.csr`), '-CA', f(`${prefix}ca.pem`), '-CAkey', f(`${prefix}ca.key`), '-set_serial', serial(),
      '-days', '30', '-extfile', cnf, '-extensions', 'client_ext', '-out', f(`${prefix}client.pem`),
    ]);
  };
  const pfxPassphrase = crypto.randomBytes(9).toString('base64url');
  await Promise.all([
    chain('', 'kafka-wire test client CA', 'kafka-wire-client').then(() =>
      run(['pkcs12', '-export', '-in', f('client.pem'), '-inkey', f('client.key'), '-name', 'kafka-wire-client', '-out', f('client.p12'), '-passout', `pass:${pfxPassphrase}`]),
    ),
    chain('untrusted-', 'kafka-wire untrusted CA', 'kafka-wire-untrusted-client'),
  ]);
  fs.copyFileSync(f('ca.pem'), f('client-ca.pem'));
  const read = (name: string) => fs.readFileSync(f(name), 'utf8');
  return {
    caPem: read('ca.pem'),
    certPem: read('client.pem'),
    keyPem: read('client.key'),
    pfx: fs.readFileSync(f('client.p12')),
    pfxPassphrase,
    untrustedCertPem: read('untrusted-client.pem'),
    untrustedKeyPem: read('untrusted-client.key'),
  };
}

export function securityInfo(plan: SecurityPlan, nodes: SecuredNode[]): ClusterSecurityInfo {
  const info: ClusterSecurityInfo = {};
  const addressesOf = (name: ExtraListenerName) =>
    nodes.map((n) => `${n.host}:${n.extraListeners.find((l) => l.name === name)!.port}`).join(',');
  const field: Record<ExtraListenerName, 'saslPlaintext' | 'ssl' | 'saslSsl' | 'oauthJwt' | 'mtls'> = {
    SASL_PLAINTEXT: 'saslPlaintext',
    SSL: 'ssl',
    SASL_SSL: 'saslSsl',
    OAUTH_JWT: 'oauthJwt',
    MTLS: 'mtls',
  };
  for (const { name } of plan.listeners) info[field[name]] = addressesOf(name);
  if (plan.caPem) info.caPem = plan.caPem;
  if (plan.client) {
    info.clientCaPem = plan.client.caPem;
    info.clientCertPem = plan.client.certPem;
    info.clientKeyPem = plan.client.keyPem;
    info.clientPfx = plan.client.pfx;
    info.clientPfxPassphrase = plan.client.pfxPassphrase;
    info.untrustedCertPem = plan.client.untrustedCertPem;
    info.untrustedKeyPem = plan.client.untrustedKeyPem;
  }
  return info;
}
