/**
 * The Java client's security properties (security.protocol, ssl.*, sasl.mechanism,
 * sasl.jaas.config, sasl.oauthbearer.*) turned into kafka-wire's `ssl` and `sasl` options.
 * resolveConfig runs this before it reads the options; the CLI runs it on its properties files.
 *
 * What maps, and how:
 *  - security.protocol (any case, SecurityProtocol.forName): SSL and SASL_SSL turn `ssl` on,
 *    SASL_PLAINTEXT and SASL_SSL turn `sasl` on.
 *  - Trust (DefaultSslEngineFactory.createTruststore): a PEM file (ssl.truststore.location) or
 *    PEM text (ssl.truststore.certificates) becomes `ca`. Node's TLS cannot take a PKCS12 or JKS
 *    trust store (a PFX without a key is refused), so those are refused with a hint to convert.
 *  - Client certificate (DefaultSslEngineFactory.createKeystore): a PKCS12 file becomes `pfx` +
 *    `passphrase`; a PEM file, or ssl.keystore.certificate.chain + ssl.keystore.key, become
 *    `cert` + `key` (+ `passphrase` from ssl.key.password). JKS files are refused.
 *  - ssl.endpoint.identification.algorithm '' skips the host name check (the chain is still
 *    verified), as Java's empty algorithm does; 'https' (the default) keeps Node's check.
 *  - ssl.enabled.protocols / ssl.protocol become minVersion / maxVersion.
 *  - sasl.mechanism + sasl.jaas.config (parsed as Java's JaasConfig does): PLAIN and SCRAM take
 *    username and password; OAUTHBEARER takes the OIDC client-credentials settings (KIP-768,
 *    with Kafka 4.1's sasl.oauthbearer.client.credentials.* and sasl.oauthbearer.scope).
 * Properties with no Node.js counterpart are accepted when they cannot change what happens
 * here (Kerberos settings, broker-side token validation, JCA algorithm names) and refused when
 * they would (custom classes, cipher suites in Java names, assertion grants). Where a store
 * type is not given (Java's default: JKS) it is taken from the file's content.
 *
 * Errors are ConfigError naming the property; they never quote a password, a key or a JAAS value.
 */
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as tls from 'node:tls';
import type { ConnectionOptions, SecureVersion } from 'node:tls';

import type { OidcClientCredentials } from '../net/sasl/oidc';
import { ConfigError } from '../protocol/errors';
import type { SaslOptions } from './config';

/** What the Java security properties among a producer's options mean. */
export interface JavaSecurity {
  /** Every Java security property read here: the caller must not read them again. */
  readonly consumed: ReadonlySet<string>;
  /** The `ssl` option they set, with the property to name in messages; absent when TLS stays off. */
  readonly ssl?: { readonly key: string; readonly value: true | ConnectionOptions };
  /** The `sasl` option they set, with the property to name in messages; absent when they set none. */
  readonly sasl?: { readonly key: string; readonly value: SaslOptions };
}

// ---------------------------------------------------------------------------------------
// The properties (SslConfigs.addClientSslSupport, SaslConfigs.addClientSaslSupport, Kafka 4.1)

type Kind = 'string' | 'password' | 'list' | 'boolean' | 'number';

const SECURITY_PROTOCOL = 'security.protocol';

const SSL_PROPERTY_KINDS = [
  ['ssl.protocol', 'string'],
  ['ssl.provider', 'string'],
  ['ssl.cipher.suites', 'list'],
  ['ssl.enabled.protocols', 'list'],
  ['ssl.keystore.type', 'string'],
  ['ssl.keystore.location', 'string'],
  ['ssl.keystore.password', 'password'],
  ['ssl.key.password', 'password'],
  ['ssl.keystore.key', 'password'],
  ['ssl.keystore.certificate.chain', 'password'],
  ['ssl.truststore.certificates', 'password'],
  ['ssl.truststore.type', 'string'],
  ['ssl.truststore.location', 'string'],
  ['ssl.truststore.password', 'password'],
  ['ssl.keymanager.algorithm', 'string'],
  ['ssl.trustmanager.algorithm', 'string'],
  ['ssl.endpoint.identification.algorithm', 'string'],
  ['ssl.secure.random.implementation', 'string'],
  ['ssl.engine.factory.class', 'string'],
] as const satisfies readonly (readonly [string, Kind])[];
const SSL_PROPERTIES: ReadonlyMap<string, Kind> = new Map(SSL_PROPERTY_KINDS);

// sasl.login.refresh.*, sasl.login.retry.backoff.* and sasl.login.connect/read.timeout.ms are
// producer options of their own (config.ts), read there and not here.
const SASL_PROPERTY_KINDS = [
  ['sasl.mechanism', 'string'],
  ['sasl.jaas.config', 'password'],
  ['sasl.client.callback.handler.class', 'string'],
  ['sasl.login.callback.handler.class', 'string'],
  ['sasl.login.class', 'string'],
  ['sasl.kerberos.service.name', 'string'],
  ['sasl.kerberos.kinit.cmd', 'string'],
  ['sasl.kerberos.ticket.renew.window.factor', 'number'],
  ['sasl.kerberos.ticket.renew.jitter', 'number'],
  ['sasl.kerberos.min.time.before.relogin', 'number'],
  ['sasl.oauthbearer.token.endpoint.url', 'string'],
  ['sasl.oauthbearer.client.credentials.client.id', 'string'],
  ['sasl.oauthbearer.client.credentials.client.secret', 'password'],
  ['sasl.oauthbearer.scope', 'string'],
  ['sasl.oauthbearer.header.urlencode', 'boolean'],
  ['sasl.oauthbearer.jwt.retriever.class', 'string'],
  ['sasl.oauthbearer.jwt.validator.class', 'string'],
  ['sasl.oauthbearer.scope.claim.name', 'string'],
  ['sasl.oauthbearer.sub.claim.name', 'string'],
  ['sasl.oauthbearer.assertion.algorithm', 'string'],
  ['sasl.oauthbearer.assertion.claim.aud', 'string'],
  ['sasl.oauthbearer.assertion.claim.exp.seconds', 'number'],
  ['sasl.oauthbearer.assertion.claim.iss', 'string'],
  ['sasl.oauthbearer.assertion.claim.jti.include', 'boolean'],
  ['sasl.oauthbearer.assertion.claim.nbf.seconds', 'number'],
  ['sasl.oauthbearer.assertion.claim.sub', 'string'],
  ['sasl.oauthbearer.assertion.file', 'string'],
  ['sasl.oauthbearer.assertion.private.key.file', 'string'],
  ['sasl.oauthbearer.assertion.private.key.passphrase', 'password'],
  ['sasl.oauthbearer.assertion.template.file', 'string'],
  ['sasl.oauthbearer.jwks.endpoint.url', 'string'],
  ['sasl.oauthbearer.jwks.endpoint.refresh.ms', 'number'],
  ['sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms', 'number'],
  ['sasl.oauthbearer.jwks.endpoint.retry.backoff.ms', 'number'],
  ['sasl.oauthbearer.clock.skew.seconds', 'number'],
  ['sasl.oauthbearer.expected.audience', 'list'],
  ['sasl.oauthbearer.expected.issuer', 'string'],
] as const satisfies readonly (readonly [string, Kind])[];
const SASL_PROPERTIES: ReadonlyMap<string, Kind> = new Map(SASL_PROPERTY_KINDS);

/** What each kind of property takes (Java-style strings included). */
interface KindValues {
  string: string;
  password: string;
  list: string | readonly string[];
  boolean: boolean | string;
  number: number | string;
}
type PropertiesOf<L extends readonly (readonly [string, Kind | null])[]> = {
  [E in L[number] as E[0]]?: E[1] extends Kind ? KindValues[E[1]] | null : string | number | boolean | null;
};

/** The Java client's security properties, as ProducerOptions accepts them. */
export type JavaSecurityOptions = { 'security.protocol'?: string | null } & PropertiesOf<typeof SSL_PROPERTY_KINDS> & PropertiesOf<typeof SASL_PROPERTY_KINDS>;

/** Every property name this module reads. */
export const JAVA_SECURITY_PROPERTIES: ReadonlySet<string> = new Set([SECURITY_PROTOCOL, ...SSL_PROPERTIES.keys(), ...SASL_PROPERTIES.keys()]);

const CLASS = 'org.apache.kafka.common.security';
const PLAIN_LOGIN_MODULE = `${CLASS}.plain.PlainLoginModule`;
const SCRAM_LOGIN_MODULE = `${CLASS}.scram.ScramLoginModule`;
const OAUTHBEARER_LOGIN_MODULE = `${CLASS}.oauthbearer.OAuthBearerLoginModule`;
/** The KIP-768 login callback handler; the second name is Kafka 3.x's, removed in 4.0. */
const OIDC_LOGIN_CALLBACK_HANDLERS = [`${CLASS}.oauthbearer.OAuthBearerLoginCallbackHandler`, `${CLASS}.oauthbearer.secured.OAuthBearerLoginCallbackHandler`];

/**
 * Properties whose value cannot change what kafka-wire does: accepted and not used. null: any
 * value (they only matter to GSSAPI, which is refused, or to brokers); else the values allowed.
 */
const IGNORED: ReadonlyMap<string, readonly string[] | null> = new Map<string, readonly string[] | null>([
  // JCA algorithm names: Node's TLS is OpenSSL's, which verifies chains as PKIX does.
  ['ssl.keymanager.algorithm', ['SunX509', 'NewSunX509', 'PKIX']],
  ['ssl.trustmanager.algorithm', ['PKIX', 'SunPKIX', 'X509', 'X.509', 'SunX509']],
  // OpenSSL draws its own random numbers.
  ['ssl.secure.random.implementation', null],
  ['ssl.engine.factory.class', [`${CLASS}.ssl.DefaultSslEngineFactory`]],
  ['sasl.kerberos.service.name', null],
  ['sasl.kerberos.kinit.cmd', null],
  ['sasl.kerberos.ticket.renew.window.factor', null],
  ['sasl.kerberos.ticket.renew.jitter', null],
  ['sasl.kerberos.min.time.before.relogin', null],
  // Java's defaults for these (LoginManager, SaslClientCallbackHandler).
  ['sasl.login.class', [`${CLASS}.authenticator.DefaultLogin`, `${CLASS}.oauthbearer.internals.OAuthBearerRefreshingLogin`]],
  ['sasl.client.callback.handler.class', [`${CLASS}.authenticator.SaslClientCallbackHandler`, `${CLASS}.oauthbearer.internals.OAuthBearerSaslClientCallbackHandler`]],
  // DefaultJwtRetriever picks ClientCredentialsJwtRetriever for an http(s) endpoint; ClientJwtValidator is the client's validator.
  ['sasl.oauthbearer.jwt.retriever.class', [`${CLASS}.oauthbearer.DefaultJwtRetriever`, `${CLASS}.oauthbearer.ClientCredentialsJwtRetriever`]],
  ['sasl.oauthbearer.jwt.validator.class', [`${CLASS}.oauthbearer.DefaultJwtValidator`, `${CLASS}.oauthbearer.ClientJwtValidator`]],
  // The built-in OIDC client reads the standard claims only.
  ['sasl.oauthbearer.scope.claim.name', ['scope']],
  ['sasl.oauthbearer.sub.claim.name', ['sub']],
  // Broker-side token validation (BrokerJwtValidator); a client defines and ignores them.
  ['sasl.oauthbearer.jwks.endpoint.url', null],
  ['sasl.oauthbearer.jwks.endpoint.refresh.ms', null],
  ['sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms', null],
  ['sasl.oauthbearer.jwks.endpoint.retry.backoff.ms', null],
  ['sasl.oauthbearer.clock.skew.seconds', null],
  ['sasl.oauthbearer.expected.audience', null],
  ['sasl.oauthbearer.expected.issuer', null],
]);

/** Properties refused whatever their value (beyond empty), with the reason. */
const REFUSED: ReadonlyMap<string, string> = new Map([
  ['ssl.provider', 'Java security providers do not exist in Node.js, whose TLS is OpenSSL'],
  [
    'ssl.cipher.suites',
    "Java's cipher suite names are not OpenSSL's; leave it out for the defaults, or give the suites (OpenSSL names) as ciphers in the 'ssl' option instead of Java ssl.* properties",
  ],
  ...[...SASL_PROPERTIES.keys()]
    .filter((k) => k.startsWith('sasl.oauthbearer.assertion.'))
    .map((k): [string, string] => [k, 'the JWT bearer grant (assertions) is not supported; kafka-wire fetches tokens with the client-credentials grant, or use an oauthBearerProvider']),
]);

// ---------------------------------------------------------------------------------------
// The translation

/**
 * Reads the Java security properties among `options` and returns the `ssl` and `sasl` values
 * they mean. Throws ConfigError for a property refused, a bad value, or a property given with
 * the kafka-wire option it would set (`ssl` with security.protocol or ssl.*, `sasl` with sasl.*).
 * Reads the key and trust store files it names.
 */
export function javaSecurityOptions(options: object): JavaSecurity {
  const o = options as Record<string, unknown>;
  const props = new Props(o);
  if (props.given.size === 0) return { consumed: props.consumed };

  const sslGiven = o.ssl !== undefined;
  const saslGiven = o.sasl !== undefined;
  if (sslGiven) {
    const clash = [SECURITY_PROTOCOL, ...SSL_PROPERTIES.keys()].find((k) => props.given.has(k));
    if (clash !== undefined) throw conflict(clash, 'ssl');
  }
  if (saslGiven) {
    const clash = [...SASL_PROPERTIES.keys()].find((k) => props.given.has(k));
    if (clash !== undefined) throw conflict(clash, 'sasl');
  }

  const protocolText = props.string(SECURITY_PROTOCOL) ?? 'PLAINTEXT';
  const protocol = protocolText.toUpperCase();
  if (!['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'].includes(protocol)) {
    throw new ConfigError(`Option '${SECURITY_PROTOCOL}' must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL (any case); got ${JSON.stringify(protocolText)}.`, {
      option: SECURITY_PROTOCOL,
    });
  }
  const tlsOn = protocol === 'SSL' || protocol === 'SASL_SSL';
  const saslOn = protocol.startsWith('SASL_');

  // Java ignores ssl.* and sasl.* under a protocol without TLS or SASL; here that is taken for a mistake.
  for (const k of props.given) {
    const needs = SSL_PROPERTIES.has(k) && !tlsOn ? 'SSL or SASL_SSL' : SASL_PROPERTIES.has(k) && !saslOn ? 'SASL_PLAINTEXT or SASL_SSL' : null;
    if (needs !== null) {
      throw new ConfigError(`Option '${k}' needs '${SECURITY_PROTOCOL}' ${needs}; it is ${protocol}${props.given.has(SECURITY_PROTOCOL) ? '' : ' (the default)'}.`, { option: k });
    }
  }
  if (saslGiven && props.given.has(SECURITY_PROTOCOL) && !saslOn) {
    throw new ConfigError(`Option 'sasl' needs '${SECURITY_PROTOCOL}' SASL_PLAINTEXT or SASL_SSL when that is given; it is ${protocol}.`, { option: 'sasl' });
  }
  for (const k of props.given) checkIgnoredOrRefused(props, k);

  const out: { consumed: ReadonlySet<string>; ssl?: JavaSecurity['ssl']; sasl?: JavaSecurity['sasl'] } = { consumed: props.consumed };
  if (tlsOn) out.ssl = { key: SECURITY_PROTOCOL, value: tlsOptions(props) };
  if (saslOn && !saslGiven) out.sasl = { key: props.given.has('sasl.mechanism') ? 'sasl.mechanism' : SECURITY_PROTOCOL, value: saslOptions(props, protocol) };
  return out;
}

/** The Java properties present, read with Java's ConfigDef conversions. */
class Props {
  /** Present with a value (undefined and null count as not set: Java's default). */
  readonly given = new Set<string>();
  readonly consumed = new Set<string>();

  constructor(private readonly o: Record<string, unknown>) {
    for (const k of Object.keys(o)) {
      if (!JAVA_SECURITY_PROPERTIES.has(k)) continue;
      this.consumed.add(k);
      if (o[k] !== undefined && o[k] !== null) this.given.add(k);
    }
  }

  /** A STRING property: trimmed, as ConfigDef.parseType does. */
  string(key: string): string | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw typeError(key, 'a string', v, false);
    return javaTrim(v);
  }

  /** A PASSWORD property: as given, never quoted in messages. */
  password(key: string): string | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw typeError(key, 'a string', v, true);
    return v;
  }

  /** A LIST property: an array of strings, or a string split at commas (ConfigDef.parseType). */
  list(key: string): string[] | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (Array.isArray(v) && v.every((e) => typeof e === 'string')) return v.map(javaTrim);
    if (typeof v !== 'string') throw typeError(key, 'a comma-separated string or an array of strings', v, false);
    const t = javaTrim(v);
    return t === '' ? [] : t.split(/\s*,\s*/);
  }

  /** A number property whose value is not used: only its type is checked. */
  number(key: string): void {
    const v = this.raw(key);
    if (v === undefined || typeof v === 'number') return;
    if (typeof v === 'string' && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(javaTrim(v))) return;
    throw typeError(key, 'a number, or a string of one', v, false);
  }

  boolean(key: string): boolean | undefined {
    const v = this.raw(key);
    if (v === undefined || typeof v === 'boolean') return v;
    if (typeof v === 'string' && /^(true|false)$/i.test(javaTrim(v))) return javaTrim(v).toLowerCase() === 'true';
    throw typeError(key, "a boolean, or 'true' or 'false'", v, false);
  }

  private raw(key: string): unknown {
    return this.given.has(key) ? this.o[key] : undefined;
  }
}

function checkIgnoredOrRefused(props: Props, key: string): void {
  const kind = SSL_PROPERTIES.get(key) ?? SASL_PROPERTIES.get(key);
  const refused = REFUSED.get(key);
  if (refused !== undefined) {
    // An empty value is Java's "not set" for these (null defaults, empty lists).
    const empty = kind === 'list' ? props.list(key)!.length === 0 : kind === 'string' ? props.string(key) === '' : false;
    if (!empty) throw new ConfigError(`Option '${key}' is not supported: ${refused}.`, { option: key });
    return;
  }
  if (!IGNORED.has(key)) return;
  const allowed = IGNORED.get(key)!;
  if (kind === 'list') props.list(key);
  else if (kind === 'boolean') props.boolean(key);
  else if (kind === 'number') props.number(key);
  else {
    const v = props.string(key)!;
    if (allowed !== null && v !== '' && !allowed.includes(v)) {
      throw new ConfigError(`Option '${key}' is not supported with the value ${JSON.stringify(v)}; kafka-wire accepts ${allowed.map((a) => JSON.stringify(a)).join(', ')} (which it does not need) or none.`, {
        option: key,
      });
    }
  }
}

// ---------------------------------------------------------------------------------------
// TLS

const TLS_VERSIONS: readonly SecureVersion[] = ['TLSv1.2', 'TLSv1.3'];
/** Disabled by the JDK (jdk.tls.disabledAlgorithms) as by Node: dropped from the list, as the JDK drops them. */
const DISABLED_VERSIONS = new Set(['SSLV2HELLO', 'SSLV3', 'TLSV1', 'TLSV1.1']);

function tlsOptions(props: Props): true | ConnectionOptions {
  const out: ConnectionOptions = {};
  Object.assign(out, trustOptions(props), keyOptions(props), versionOptions(props));

  const endpoint = props.string('ssl.endpoint.identification.algorithm');
  if (endpoint === '') {
    // Java's empty algorithm: SSLParameters.setEndpointIdentificationAlgorithm(null)-like, the chain is still verified.
    out.checkServerIdentity = () => undefined;
  } else if (endpoint !== undefined && endpoint.toUpperCase() !== 'HTTPS') {
    throw new ConfigError(
      `Option 'ssl.endpoint.identification.algorithm' must be 'https' (check the host name, the default) or '' (do not); got ${JSON.stringify(endpoint)}.`,
      { option: 'ssl.endpoint.identification.algorithm' },
    );
  }
  return Object.keys(out).length === 0 ? true : out;
}

/** DefaultSslEngineFactory.createTruststore's rules, for what Node's TLS can take: PEM. */
function trustOptions(props: Props): ConnectionOptions {
  const type = storeType(props, 'ssl.truststore.type');
  const location = props.string('ssl.truststore.location');
  const certificates = props.password('ssl.truststore.certificates');
  const password = props.password('ssl.truststore.password');
  if (certificates !== undefined) {
    if (type !== undefined && type !== 'PEM') {
      throw new ConfigError(`Option 'ssl.truststore.certificates' needs 'ssl.truststore.type' PEM; it is ${type}.`, { option: 'ssl.truststore.certificates' });
    }
    if (location !== undefined) {
      throw new ConfigError("Options 'ssl.truststore.location' and 'ssl.truststore.certificates' cannot both be given.", { option: 'ssl.truststore.certificates' });
    }
    if (password !== undefined) throw new ConfigError("Option 'ssl.truststore.password' cannot be given with PEM certificates.", { option: 'ssl.truststore.password' });
    checkCertificates('ssl.truststore.certificates', certificates);
    return { ca: certificates };
  }
  if (location === undefined) {
    if (password !== undefined) throw new ConfigError("Option 'ssl.truststore.password' needs 'ssl.truststore.location'.", { option: 'ssl.truststore.password' });
    return {};
  }
  if (type !== undefined && type !== 'PEM') throw unsupportedTrustStore(type);
  const content = readStore('ssl.truststore.location', location);
  const kind = sniff(content);
  if (kind !== 'PEM') {
    // No type given (Java's default, JKS): the file decides, and only PEM will do.
    throw unsupportedTrustStore(kind === 'JKS' ? 'JKS' : kind === 'PKCS12' ? 'PKCS12' : null);
  }
  if (password !== undefined) throw new ConfigError("Option 'ssl.truststore.password' cannot be given with a PEM trust store.", { option: 'ssl.truststore.password' });
  const text = content.toString('utf8');
  checkCertificates('ssl.truststore.location', text);
  return { ca: text };
}

function unsupportedTrustStore(type: string | null): ConfigError {
  const what = type === null ? 'The file is not a PEM file of certificates' : `Trust stores of type ${type} are not supported`;
  return new ConfigError(
    `Option 'ssl.truststore.location': ${what}. Node.js takes trusted certificates as PEM only: convert the trust store (keytool -exportcert -rfc -alias <alias> -keystore <file> -file ca.pem, or openssl pkcs12 -in <file> -nokeys -out ca.pem) and set 'ssl.truststore.type' to PEM.`,
    { option: 'ssl.truststore.location' },
  );
}

/** DefaultSslEngineFactory.createKeystore's rules. */
function keyOptions(props: Props): ConnectionOptions {
  const type = storeType(props, 'ssl.keystore.type');
  const location = props.string('ssl.keystore.location');
  const storePassword = props.password('ssl.keystore.password');
  const keyPassword = props.password('ssl.key.password');
  const key = props.password('ssl.keystore.key');
  const chain = props.password('ssl.keystore.certificate.chain');
  const passphrase = keyPassword !== undefined ? { passphrase: keyPassword } : {};

  if (key !== undefined) {
    if (type !== undefined && type !== 'PEM') {
      throw new ConfigError(`Option 'ssl.keystore.key' needs 'ssl.keystore.type' PEM; it is ${type}.`, { option: 'ssl.keystore.key' });
    }
    if (chain === undefined) throw new ConfigError("Option 'ssl.keystore.key' needs 'ssl.keystore.certificate.chain'.", { option: 'ssl.keystore.key' });
    if (location !== undefined) throw new ConfigError("Options 'ssl.keystore.location' and 'ssl.keystore.key' cannot both be given.", { option: 'ssl.keystore.key' });
    if (storePassword !== undefined) throw pemStorePassword();
    checkCertificates('ssl.keystore.certificate.chain', chain);
    checkPrivateKey('ssl.keystore.key', key);
    return checkKeyPair('ssl.keystore.key', { cert: chain, key, ...passphrase });
  }
  if (chain !== undefined) throw new ConfigError("Option 'ssl.keystore.certificate.chain' needs 'ssl.keystore.key'.", { option: 'ssl.keystore.certificate.chain' });
  if (location === undefined) {
    if (storePassword !== undefined) throw new ConfigError("Option 'ssl.keystore.password' needs 'ssl.keystore.location'.", { option: 'ssl.keystore.password' });
    if (keyPassword !== undefined) throw new ConfigError("Option 'ssl.key.password' needs 'ssl.keystore.location' or 'ssl.keystore.key'.", { option: 'ssl.key.password' });
    return {};
  }
  if (type !== undefined && !['PEM', 'PKCS12', 'JKS'].includes(type)) {
    throw new ConfigError(`Option 'ssl.keystore.type' ${type} is not supported; use PKCS12 or PEM.`, { option: 'ssl.keystore.type' });
  }
  const content = readStore('ssl.keystore.location', location);
  const kind = sniff(content);
  if (type === 'PEM' || (type === undefined && kind === 'PEM')) {
    if (kind !== 'PEM') throw new ConfigError("Option 'ssl.keystore.location' names a file that is not PEM, but 'ssl.keystore.type' is PEM.", { option: 'ssl.keystore.location' });
    if (storePassword !== undefined) throw pemStorePassword();
    const text = content.toString('utf8');
    checkCertificates('ssl.keystore.location', text);
    checkPrivateKey('ssl.keystore.location', text);
    return checkKeyPair('ssl.keystore.location', { cert: text, key: text, ...passphrase });
  }
  // JKS and PKCS12: since Java 9 either type reads either format (keystore.type.compat), so the file decides.
  if (kind === 'JKS') {
    throw new ConfigError(
      "Option 'ssl.keystore.location' names a JKS key store, which Node.js cannot read: convert it to PKCS12 (keytool -importkeystore -srckeystore <file> -destkeystore keystore.p12 -deststoretype PKCS12) and set 'ssl.keystore.type' to PKCS12.",
      { option: 'ssl.keystore.location' },
    );
  }
  if (kind !== 'PKCS12') {
    throw new ConfigError(`Option 'ssl.keystore.location' names a file that is neither PKCS12 nor PEM${type === undefined ? '' : ` ('ssl.keystore.type' is ${type})`}.`, {
      option: 'ssl.keystore.location',
    });
  }
  if (storePassword === undefined) throw new ConfigError("Option 'ssl.keystore.location' needs 'ssl.keystore.password'.", { option: 'ssl.keystore.location' });
  // Java opens the store with one password and the key with the other; OpenSSL takes one for both.
  if (keyPassword !== undefined && keyPassword !== storePassword) {
    throw new ConfigError(
      "Option 'ssl.key.password' differs from 'ssl.keystore.password': Node.js opens a PKCS12 key store and its key with one password. Leave 'ssl.key.password' out, or re-export the store with one password.",
      { option: 'ssl.key.password' },
    );
  }
  return checkKeyPair('ssl.keystore.location', { pfx: content, passphrase: storePassword });
}

function pemStorePassword(): ConfigError {
  return new ConfigError("Option 'ssl.keystore.password' cannot be given with a PEM key store; give the key's password as 'ssl.key.password'.", { option: 'ssl.keystore.password' });
}

/** ssl.enabled.protocols (default TLSv1.2,TLSv1.3) capped by ssl.protocol (default TLSv1.3), as SslConfigs' docs describe. */
function versionOptions(props: Props): ConnectionOptions {
  const listed = props.list('ssl.enabled.protocols');
  const protocolText = props.string('ssl.protocol');
  if (listed === undefined && protocolText === undefined) return {};

  let enabled: SecureVersion[] = [...TLS_VERSIONS];
  if (listed !== undefined && listed.length > 0) {
    enabled = [];
    for (const p of listed) {
      const v = TLS_VERSIONS.find((t) => t.toUpperCase() === p.toUpperCase());
      if (v !== undefined) enabled.push(v);
      else if (!DISABLED_VERSIONS.has(p.toUpperCase())) {
        throw new ConfigError(`Option 'ssl.enabled.protocols' names ${JSON.stringify(p)}; kafka-wire knows TLSv1.2 and TLSv1.3 (older versions are dropped, as the JDK disables them).`, {
          option: 'ssl.enabled.protocols',
        });
      }
    }
    if (enabled.length === 0) {
      throw new ConfigError("Option 'ssl.enabled.protocols' names no protocol Node.js allows (TLSv1.2, TLSv1.3).", { option: 'ssl.enabled.protocols' });
    }
  }
  let cap: SecureVersion = 'TLSv1.3';
  if (protocolText !== undefined) {
    const p = protocolText.toUpperCase();
    // SSLContext.getInstance names are case-insensitive; "TLS" is the newest the JVM has.
    if (p === 'TLSV1.2') cap = 'TLSv1.2';
    else if (p !== 'TLSV1.3' && p !== 'TLS') {
      throw new ConfigError(`Option 'ssl.protocol' must be TLSv1.3 (the default), TLSv1.2 or TLS; got ${JSON.stringify(protocolText)}.`, { option: 'ssl.protocol' });
    }
  }
  const min = enabled.includes('TLSv1.2') ? 'TLSv1.2' : 'TLSv1.3';
  const max = enabled.includes('TLSv1.3') && cap === 'TLSv1.3' ? 'TLSv1.3' : 'TLSv1.2';
  if (min === 'TLSv1.3' && max === 'TLSv1.2') {
    throw new ConfigError("Options 'ssl.enabled.protocols' (TLSv1.3 only) and 'ssl.protocol' (TLSv1.2) leave no protocol to use.", { option: 'ssl.protocol' });
  }
  // Node's defaults are TLSv1.2 to TLSv1.3: only a narrower range is written out.
  return { ...(min === 'TLSv1.3' ? { minVersion: min } : {}), ...(max === 'TLSv1.2' ? { maxVersion: max } : {}) };
}

/** The store type given, upper-cased (KeyStore types are case-insensitive); undefined when not given. */
function storeType(props: Props, key: string): string | undefined {
  const t = props.string(key);
  return t === undefined || t === '' ? undefined : t.toUpperCase();
}

function readStore(key: string, path: string): Buffer {
  try {
    return fs.readFileSync(path);
  } catch (e) {
    throw new ConfigError(`Option '${key}': cannot read ${JSON.stringify(path)} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`, { option: key, cause: e });
  }
}

/** What a store file holds, by its first bytes: JKS/JCEKS magic, DER (PKCS12), or PEM text. */
function sniff(content: Buffer): 'JKS' | 'PKCS12' | 'PEM' | null {
  const magic = content.length >= 4 ? content.readUInt32BE(0) : 0;
  if (magic === 0xfeedfeed || magic === 0xcececece) return 'JKS';
  if (content.length > 0 && content[0] === 0x30) return 'PKCS12';
  if (/-----BEGIN [A-Z0-9 ]+-----/.test(content.toString('latin1'))) return 'PEM';
  return null;
}

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** PemStore.certs: at least one certificate, each one valid X.509. Node would skip a bad one silently. */
function checkCertificates(key: string, pem: string): void {
  const blocks = pem.match(CERTIFICATE_BLOCK) ?? [];
  if (blocks.length === 0) throw new ConfigError(`Option '${key}' holds no PEM certificate (-----BEGIN CERTIFICATE-----).`, { option: key });
  blocks.forEach((b, i) => {
    try {
      new X509Certificate(b);
    } catch (e) {
      throw new ConfigError(`Option '${key}': certificate ${i + 1} of ${blocks.length} is not a valid X.509 certificate.`, { option: key, cause: e });
    }
  });
}

/** PemStore.privateKey: exactly one private key. */
function checkPrivateKey(key: string, pem: string): void {
  const n = (pem.match(/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/g) ?? []).length;
  if (n !== 1) throw new ConfigError(`Option '${key}' must hold one PEM private key; it holds ${n}.`, { option: key });
}

/** Loads the key material as the connections will, so a wrong password or a mismatched key fails here, as in Java's constructor. */
function checkKeyPair(key: string, o: ConnectionOptions): ConnectionOptions {
  try {
    tls.createSecureContext(o);
  } catch (e) {
    const reason = String((e as Error).message ?? e);
    let why = 'Node.js cannot load it';
    if (/mac verify failure|bad decrypt|bad password|interrupted or cancelled/i.test(reason)) {
      why = o.pfx !== undefined ? "'ssl.keystore.password' does not open it" : "the key is encrypted and 'ssl.key.password' does not open it";
    } else if (/key values mismatch/i.test(reason)) why = 'the private key does not belong to the first certificate';
    // OpenSSL's reason names no secret; it helps with the rest.
    throw new ConfigError(`Option '${key}': ${why} (${reason.replace(/^error:[0-9A-F]+:/, '')}).`, { option: key, cause: e });
  }
  return o;
}

// ---------------------------------------------------------------------------------------
// SASL

const PASSWORD_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;

function saslOptions(props: Props, protocol: string): SaslOptions {
  const given = props.string('sasl.mechanism');
  if (given === '') {
    // CommonClientConfigs.postValidateSaslMechanismConfig
    throw new ConfigError(`Option 'sasl.mechanism' must not be empty when '${SECURITY_PROTOCOL}' is ${protocol}.`, { option: 'sasl.mechanism' });
  }
  const mechanism = (given ?? 'GSSAPI').toUpperCase();
  if (mechanism === 'GSSAPI') {
    const what = given === undefined ? `'${SECURITY_PROTOCOL}' ${protocol} without 'sasl.mechanism' means GSSAPI in Java, and` : "Option 'sasl.mechanism'";
    throw new ConfigError(`${what} GSSAPI (Kerberos) is not supported by kafka-wire; set 'sasl.mechanism' to PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER.`, {
      option: given === undefined ? SECURITY_PROTOCOL : 'sasl.mechanism',
    });
  }
  if (mechanism !== 'OAUTHBEARER' && !(PASSWORD_MECHANISMS as readonly string[]).includes(mechanism)) {
    throw new ConfigError(`Option 'sasl.mechanism' ${JSON.stringify(given)} is not supported; kafka-wire supports PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER.`, {
      option: 'sasl.mechanism',
    });
  }

  const jaasText = props.password('sasl.jaas.config');
  if (jaasText === undefined) {
    // Java would look for a JAAS file (java.security.auth.login.config); kafka-wire reads none.
    throw new ConfigError(`'sasl.mechanism' ${mechanism} needs 'sasl.jaas.config' (kafka-wire does not read JAAS files).`, { option: 'sasl.jaas.config' });
  }
  const entry = jaasEntry(jaasText);

  const loginHandler = props.string('sasl.login.callback.handler.class');
  if (mechanism === 'OAUTHBEARER') return oauthBearerOptions(props, entry, loginHandler);

  // Both modules put username and password into the Subject, where SaslClientCallbackHandler
  // finds them for any of these mechanisms; Java accepts either module with any of them.
  if (entry.loginModule !== PLAIN_LOGIN_MODULE && entry.loginModule !== SCRAM_LOGIN_MODULE) {
    throw new ConfigError(
      `Option 'sasl.jaas.config' names the login module ${JSON.stringify(entry.loginModule)}; 'sasl.mechanism' ${mechanism} needs ${mechanism === 'PLAIN' ? PLAIN_LOGIN_MODULE : SCRAM_LOGIN_MODULE}.`,
      { option: 'sasl.jaas.config' },
    );
  }
  if (loginHandler !== undefined && loginHandler !== '' && loginHandler !== `${CLASS}.authenticator.AbstractLogin$DefaultLoginCallbackHandler`) {
    throw unsupportedClass('sasl.login.callback.handler.class', loginHandler);
  }
  const username = entry.options.get('username');
  const password = entry.options.get('password');
  if (username === undefined || password === undefined) {
    throw new ConfigError(`Option 'sasl.jaas.config' must give the options username and password to ${entry.loginModule.slice(entry.loginModule.lastIndexOf('.') + 1)}.`, {
      option: 'sasl.jaas.config',
    });
  }
  // ScramLoginModule.initialize: tokenauth="true" authenticates with a delegation token (a SCRAM extension).
  if (entry.loginModule === SCRAM_LOGIN_MODULE && (entry.options.get('tokenauth') ?? '').toLowerCase() === 'true') {
    throw new ConfigError("Option 'sasl.jaas.config': delegation tokens (tokenauth=\"true\") are not supported.", { option: 'sasl.jaas.config' });
  }
  return { mechanism: mechanism as (typeof PASSWORD_MECHANISMS)[number], username, password };
}

/**
 * OAUTHBEARER as Java 4.1 takes it: the OIDC client-credentials login (KIP-768) when
 * sasl.login.callback.handler.class is OAuthBearerLoginCallbackHandler. Settings come from the
 * properties first and the JAAS options second (ClientCredentialsJwtRetriever.ConfigOrJaas);
 * extensions from the extension_<name> JAAS options (OAuthBearerLoginCallbackHandler).
 */
function oauthBearerOptions(props: Props, entry: JaasEntry, loginHandler: string | undefined): SaslOptions {
  if (entry.loginModule !== OAUTHBEARER_LOGIN_MODULE) {
    throw new ConfigError(`Option 'sasl.jaas.config' names the login module ${JSON.stringify(entry.loginModule)}; 'sasl.mechanism' OAUTHBEARER needs ${OAUTHBEARER_LOGIN_MODULE}.`, {
      option: 'sasl.jaas.config',
    });
  }
  const provider = "pass the token from a function instead: the 'sasl' option { mechanism: 'OAUTHBEARER', oauthBearerProvider }";
  if ([...entry.options.keys()].some((k) => k.startsWith('unsecuredLogin'))) {
    throw new ConfigError(`Option 'sasl.jaas.config': unsecured OAUTHBEARER tokens (unsecuredLogin* options) are not supported; ${provider}.`, { option: 'sasl.jaas.config' });
  }
  const url = props.string('sasl.oauthbearer.token.endpoint.url');
  if (loginHandler === undefined || loginHandler === '') {
    // LoginManager's default for OAUTHBEARER is the unsecured handler, whatever the URL says.
    throw new ConfigError(
      `'sasl.mechanism' OAUTHBEARER needs 'sasl.login.callback.handler.class' ${OIDC_LOGIN_CALLBACK_HANDLERS[0]} with 'sasl.oauthbearer.token.endpoint.url' (Java's default handler makes unsecured tokens, which kafka-wire does not); or ${provider}.`,
      { option: 'sasl.login.callback.handler.class' },
    );
  }
  if (!OIDC_LOGIN_CALLBACK_HANDLERS.includes(loginHandler)) throw unsupportedClass('sasl.login.callback.handler.class', loginHandler);
  if (url === undefined || url === '') {
    throw new ConfigError(`Option 'sasl.oauthbearer.token.endpoint.url' is required with ${loginHandler.slice(loginHandler.lastIndexOf('.') + 1)}.`, {
      option: 'sasl.oauthbearer.token.endpoint.url',
    });
  }
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    parsed = null;
  }
  if (parsed !== null && parsed.protocol === 'file:') {
    throw new ConfigError(`Option 'sasl.oauthbearer.token.endpoint.url': file URLs (FileJwtRetriever) are not supported; read the file in an oauthBearerProvider.`, {
      option: 'sasl.oauthbearer.token.endpoint.url',
    });
  }
  if (parsed === null || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new ConfigError(`Option 'sasl.oauthbearer.token.endpoint.url' must be an http or https URL; got ${JSON.stringify(url)}.`, { option: 'sasl.oauthbearer.token.endpoint.url' });
  }

  const configOrJaas = (property: string, jaasName: string, required: boolean, secret: boolean): string | undefined => {
    const fromConfig = secret ? props.password(property) : props.string(property);
    const value = fromConfig !== undefined ? fromConfig : entry.options.get(jaasName);
    // ConfigurationUtils/JaasOptionsUtils.validateString: blank is missing; the value is trimmed.
    if (value === undefined || javaTrim(value) === '') {
      if (!required) return undefined;
      throw new ConfigError(`OAUTHBEARER needs '${property}' (or the JAAS option ${jaasName} in 'sasl.jaas.config'), not blank.`, {
        option: fromConfig === undefined && entry.options.has(jaasName) ? 'sasl.jaas.config' : property,
      });
    }
    return javaTrim(value);
  };
  const oidc: OidcClientCredentials = {
    tokenEndpointUrl: url,
    clientId: configOrJaas('sasl.oauthbearer.client.credentials.client.id', 'clientId', true, false)!,
    clientSecret: configOrJaas('sasl.oauthbearer.client.credentials.client.secret', 'clientSecret', true, true)!,
  };
  const scope = configOrJaas('sasl.oauthbearer.scope', 'scope', false, false);
  if (scope !== undefined) oidc.scope = scope;
  const extensions = jaasExtensions(entry);
  if (extensions !== undefined) oidc.extensions = extensions;
  const urlencode = props.boolean('sasl.oauthbearer.header.urlencode');
  if (urlencode !== undefined) oidc.urlencodeHeader = urlencode;
  return { mechanism: 'OAUTHBEARER', oidc };
}

/** OAuthBearerLoginCallbackHandler.handleExtensionsCallback, checked as OAuthBearerClientInitialResponse.validateExtensions does. */
function jaasExtensions(entry: JaasEntry): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  let any = false;
  for (const [k, v] of entry.options) {
    if (!k.startsWith('extension_')) continue;
    const name = k.slice('extension_'.length);
    if (name === 'auth') throw new ConfigError("Option 'sasl.jaas.config': the SASL extension name auth is reserved.", { option: 'sasl.jaas.config' });
    if (!/^[A-Za-z]+$/.test(name)) throw new ConfigError(`Option 'sasl.jaas.config': SASL extension names are letters only; ${JSON.stringify(k)} is not.`, { option: 'sasl.jaas.config' });
    if (!/^[\x21-\x7E \t\r\n]+$/.test(v)) {
      throw new ConfigError(`Option 'sasl.jaas.config': the value of ${k} must be non-empty printable ASCII.`, { option: 'sasl.jaas.config' });
    }
    out[name] = v;
    any = true;
  }
  return any ? out : undefined;
}

/** JaasContext.load: the property holds exactly one login module. */
function jaasEntry(text: string): JaasEntry {
  let entries: JaasEntry[];
  try {
    entries = parseJaasConfig(text);
  } catch (e) {
    if (!(e instanceof JaasSyntaxError)) throw e;
    throw new ConfigError(`Option 'sasl.jaas.config' cannot be parsed: ${e.message}.`, { option: 'sasl.jaas.config' });
  }
  if (entries.length !== 1) {
    throw new ConfigError(`Option 'sasl.jaas.config' holds ${entries.length} login modules; it must hold one.`, { option: 'sasl.jaas.config' });
  }
  return entries[0];
}

function unsupportedClass(key: string, value: string): ConfigError {
  return new ConfigError(`Option '${key}' ${JSON.stringify(value)} is not supported: kafka-wire cannot run Java classes.`, { option: key });
}

function conflict(javaKey: string, option: 'ssl' | 'sasl'): ConfigError {
  return new ConfigError(
    `Options '${option}' and '${javaKey}' cannot both be given: give the ${option === 'ssl' ? 'TLS' : 'SASL'} settings either as the '${option}' option or as Java properties.`,
    { option: javaKey },
  );
}

function typeError(key: string, expected: string, v: unknown, secret: boolean): ConfigError {
  // A secret's value is never shown, only its type.
  const got = secret || typeof v !== 'string' ? (Array.isArray(v) ? 'an array' : `a ${typeof v}`) : JSON.stringify(v);
  return new ConfigError(`Option '${key}' must be ${expected}; got ${got}.`, { option: key });
}

/** Java's String.trim: strips characters up to U+0020. */
function javaTrim(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && s.charCodeAt(a) <= 0x20) a++;
  while (b > a && s.charCodeAt(b - 1) <= 0x20) b--;
  return s.slice(a, b);
}

// ---------------------------------------------------------------------------------------
// sasl.jaas.config: Java's JaasConfig over java.io.StreamTokenizer, reproduced

export interface JaasEntry {
  readonly loginModule: string;
  readonly controlFlag: 'required' | 'requisite' | 'sufficient' | 'optional';
  /** Later options replace earlier ones of the same name (a HashMap in Java). */
  readonly options: ReadonlyMap<string, string>;
}

/** A sasl.jaas.config value Java's JaasConfig would refuse; the message names no value. */
export class JaasSyntaxError extends Error {
  override readonly name = 'JaasSyntaxError';
}

const TT_EOF = -1;
const TT_NUMBER = -2;
const TT_WORD = -3;
const NEED_CHAR = 0x7fffffff;
const CT_WHITESPACE = 1;
const CT_DIGIT = 2;
const CT_ALPHA = 4;
const CT_QUOTE = 8;
const CT_COMMENT = 16;

/**
 * StreamTokenizer's character table as JaasConfig sets it: the default (letters, 160-255 and
 * anything above 255 are word characters; 0-32 white space; '/' a comment; quotes " and ';
 * digits, '.' and '-' numeric) plus '-', '_' and '$' as word characters.
 */
const CTYPE: Uint8Array = (() => {
  const ct = new Uint8Array(256);
  const set = (lo: number, hi: number, f: number): void => {
    for (let c = lo; c <= hi; c++) ct[c] |= f;
  };
  set(0x61, 0x7a, CT_ALPHA);
  set(0x41, 0x5a, CT_ALPHA);
  set(160, 255, CT_ALPHA);
  for (let c = 0; c <= 0x20; c++) ct[c] = CT_WHITESPACE;
  ct[0x2f] = CT_COMMENT;
  ct[0x22] = CT_QUOTE;
  ct[0x27] = CT_QUOTE;
  set(0x30, 0x39, CT_DIGIT);
  ct[0x2e] |= CT_DIGIT;
  ct[0x2d] |= CT_DIGIT;
  ct[0x2d] |= CT_ALPHA;
  ct[0x5f] |= CT_ALPHA;
  ct[0x24] |= CT_ALPHA;
  return ct;
})();

/** java.io.StreamTokenizer.nextToken with slashSlashComments and slashStarComments on; eolIsSignificant, lowerCaseMode off. */
class JaasTokenizer {
  ttype = -4;
  sval: string | null = null;
  /** Where the last token began (0-based), for messages. */
  start = 0;
  private pos = 0;
  private peekc = NEED_CHAR;

  constructor(private readonly text: string) {}

  private read(): number {
    return this.pos < this.text.length ? this.text.charCodeAt(this.pos++) : -1;
  }

  nextToken(): number {
    this.sval = null;
    let c = this.peekc;
    if (c < 0) c = NEED_CHAR;
    if (c === NEED_CHAR) {
      c = this.read();
      if (c < 0) return (this.ttype = TT_EOF);
    }
    this.ttype = c;
    this.peekc = NEED_CHAR;

    let ctype = c < 256 ? CTYPE[c] : CT_ALPHA;
    while ((ctype & CT_WHITESPACE) !== 0) {
      if (c === 0x0d) {
        c = this.read();
        if (c === 0x0a) c = this.read();
      } else {
        c = this.read();
      }
      if (c < 0) return (this.ttype = TT_EOF);
      ctype = c < 256 ? CTYPE[c] : CT_ALPHA;
    }
    this.start = this.pos - 1;

    if ((ctype & CT_DIGIT) !== 0) {
      // A number: its value is of no use to JaasConfig (sval stays null), only where it ends.
      if (c === 0x2d) {
        c = this.read();
        if (c !== 0x2e && (c < 0x30 || c > 0x39)) {
          this.peekc = c;
          return (this.ttype = 0x2d);
        }
      }
      let seenDot = false;
      for (;;) {
        if (c === 0x2e && !seenDot) seenDot = true;
        else if (c < 0x30 || c > 0x39) break;
        c = this.read();
      }
      this.peekc = c;
      return (this.ttype = TT_NUMBER);
    }

    if ((ctype & CT_ALPHA) !== 0) {
      let s = '';
      do {
        s += String.fromCharCode(c);
        c = this.read();
        ctype = c < 0 ? CT_WHITESPACE : c < 256 ? CTYPE[c] : CT_ALPHA;
      } while ((ctype & (CT_ALPHA | CT_DIGIT)) !== 0);
      this.peekc = c;
      this.sval = s;
      return (this.ttype = TT_WORD);
    }

    if ((ctype & CT_QUOTE) !== 0) {
      // Ends at the same quote, a line end or the end of input (no error for an open quote).
      // Escapes: \a \b \f \n \r \t \v, octal \0 to \377, any other character stands for itself.
      const quote = c;
      this.ttype = quote;
      let s = '';
      let d = this.read();
      while (d >= 0 && d !== quote && d !== 0x0a && d !== 0x0d) {
        if (d === 0x5c) {
          c = this.read();
          const first = c;
          if (c >= 0x30 && c <= 0x37) {
            c = c - 0x30;
            let c2 = this.read();
            if (c2 >= 0x30 && c2 <= 0x37) {
              c = (c << 3) + (c2 - 0x30);
              c2 = this.read();
              if (c2 >= 0x30 && c2 <= 0x37 && first <= 0x33) {
                c = (c << 3) + (c2 - 0x30);
                d = this.read();
              } else d = c2;
            } else d = c2;
          } else {
            c = ESCAPES.get(c) ?? c;
            d = this.read();
          }
        } else {
          c = d;
          d = this.read();
        }
        // Java stores (char) c: a backslash at the very end gives (char) -1.
        s += String.fromCharCode(c & 0xffff);
      }
      this.peekc = d === quote ? NEED_CHAR : d;
      this.sval = s;
      return this.ttype;
    }

    if (c === 0x2f) {
      c = this.read();
      if (c === 0x2a) {
        // Quirk kept: after a line end the next character is taken without being checked for '/'.
        let prevc = 0;
        while ((c = this.read()) !== 0x2f || prevc !== 0x2a) {
          if (c === 0x0d) {
            c = this.read();
            if (c === 0x0a) c = this.read();
          } else if (c === 0x0a) {
            c = this.read();
          }
          if (c < 0) return (this.ttype = TT_EOF);
          prevc = c;
        }
        return this.nextToken();
      }
      // '//' and, '/' being a comment character too, a lone '/': the rest of the line. The
      // character after the '/' is consumed first, so "/" just before a line end takes the next line too.
      while ((c = this.read()) !== 0x0a && c !== 0x0d && c >= 0);
      this.peekc = c;
      return this.nextToken();
    }
    return (this.ttype = c);
  }
}

const ESCAPES: ReadonlyMap<number, number> = new Map([
  [0x61, 0x07],
  [0x62, 0x08],
  [0x66, 0x0c],
  [0x6e, 0x0a],
  [0x72, 0x0d],
  [0x74, 0x09],
  [0x76, 0x0b],
]);

const SEMICOLON = 0x3b;
const EQUALS = 0x3d;

/** Option names shown in messages; anything else may be a piece of a mis-quoted secret. */
const KNOWN_OPTION = /^(username|password|clientId|clientSecret|scope|tokenauth|extension_[A-Za-z]+|unsecuredLogin\w*)$/;

/**
 * JaasConfig's parser: `<loginModuleClass> <controlFlag> (<optionName>=<optionValue>)*;` per
 * entry. Names and values are words (letters, digits, '.', '-', '_', '$', characters from
 * U+00A0 up) or quoted strings; a value starting with a digit, '-' or '.' is a number, which
 * Java refuses ("Value not specified"). // and /* *\/ are comments, and so is a lone '/' up to
 * the line's end (so an unquoted a/b loses its tail). Throws JaasSyntaxError with Java's message.
 */
export function parseJaasConfig(text: string): JaasEntry[] {
  const t = new JaasTokenizer(text);
  const entries: JaasEntry[] = [];
  while (t.nextToken() !== TT_EOF) entries.push(parseEntry(t));
  if (entries.length === 0) throw new JaasSyntaxError('Login module not specified in JAAS config');
  return entries;
}

function parseEntry(t: JaasTokenizer): JaasEntry {
  const loginModule = t.sval;
  if (t.nextToken() === TT_EOF) throw new JaasSyntaxError('Login module control flag not specified in JAAS config');
  const flag = controlFlag(t.sval);
  const options = new Map<string, string>();
  while (t.nextToken() !== TT_EOF && t.ttype !== SEMICOLON) {
    const key = t.sval;
    const at = t.start + 1;
    if (t.nextToken() !== EQUALS || t.nextToken() === TT_EOF || t.sval === null) {
      const name = key !== null && KNOWN_OPTION.test(key) ? `'${key}'` : `at character ${at}`;
      throw new JaasSyntaxError(`Value not specified for key ${name} in JAAS config (quote values that are not plain words, and values that start with a digit)`);
    }
    // Java keeps a null key (an option name that is neither word nor string); nothing reads it.
    if (key !== null) options.set(key, t.sval);
  }
  if (t.ttype !== SEMICOLON) throw new JaasSyntaxError('JAAS config entry not terminated by semi-colon');
  // AppConfigurationEntry's constructor: a module name is required.
  if (loginModule === null || loginModule === '') throw new JaasSyntaxError('JAAS config entry does not start with a login module class name');
  return { loginModule, controlFlag: flag, options };
}

function controlFlag(flag: string | null): JaasEntry['controlFlag'] {
  if (flag === null) throw new JaasSyntaxError('Login module control flag is not available in the JAAS config');
  const f = flag.toLowerCase();
  if (f === 'required' || f === 'requisite' || f === 'sufficient' || f === 'optional') return f;
  throw new JaasSyntaxError(`Invalid login module control flag '${flag}' in JAAS config`);
}
