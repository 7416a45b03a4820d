/**
 * SASL client: SCRAM against the RFC 5802 / RFC 7677 test vectors, PLAIN bytes, the checks on
 * what a server sends, the SaslHandshake/SaslAuthenticate exchange, and Connection.authenticate
 * against a small SASL server on 127.0.0.1 (its SCRAM side written here from RFC 5802).
 */
import * as crypto from 'node:crypto';
import * as net from 'node:net';

import { Connection } from '../../../src/net/connection';
import {
  authenticate,
  authenticationFailureOf,
  escapeUsername,
  parseServerFirst,
  plainMessage,
  saslExchange,
  saslFailure,
  ScramClient,
  SaslTransport,
} from '../../../src/net/sasl';
import { jwtExpiryMs, oauthBearerInitialResponse } from '../../../src/net/sasl/oauthbearer';
import { SASL_AUTHENTICATE_API, SASL_HANDSHAKE_API, API_VERSIONS_API, ApiSpec } from '../../../src/protocol/api-keys';
import {
  ConnectionError,
  IllegalSaslStateError,
  KafkaError,
  SaslAuthenticationError,
  UnsupportedSaslMechanismError,
} from '../../../src/protocol/errors';
import type { SaslAuthenticateResponse } from '../../../src/protocol/messages/sasl-authenticate';
import type { SaslHandshakeResponse } from '../../../src/protocol/messages/sasl-handshake';
import { Reader } from '../../../src/protocol/reader';
import { Writer } from '../../../src/protocol/writer';

const b = (s: string) => Buffer.from(s, 'utf8');

// ------------------------------------------------------------------------------------------
// SCRAM: published test vectors

describe('SCRAM test vectors', () => {
  test('RFC 7677 section 3 (SCRAM-SHA-256)', () => {
    const c = new ScramClient({ digest: 'sha256', username: 'user', password: 'pencil', nonce: 'rOprNGfwEbeRWgbNEkqO' });
    expect(c.firstMessage().toString()).toBe('n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
    const final = c.finalMessage(b('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'));
    expect(final.toString()).toBe('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=');
    expect(() => c.verifyServerFinal(b('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='))).not.toThrow();
  });

  test('RFC 5802 section 5 (the SCRAM-SHA-1 example: same algorithm, other hash)', () => {
    const c = new ScramClient({ digest: 'sha1', username: 'user', password: 'pencil', nonce: 'fyko+d2lbbFgONRv9qkxdawL' });
    expect(c.firstMessage().toString()).toBe('n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL');
    const final = c.finalMessage(b('r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096'));
    expect(final.toString()).toBe('c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=');
    expect(() => c.verifyServerFinal(b('v=rmF9pqV8S7suAoZWja4dJRkFsKQ='))).not.toThrow();
  });

  test('SCRAM-SHA-512 against an independent server computation', () => {
    const server = new ScramServer('sha512', new Map([['alice', 'alice-secret']]), 4096);
    const c = new ScramClient({ digest: 'sha512', username: 'alice', password: 'alice-secret', nonce: 'abcDEF0123456789' });
    const serverFirst = server.first(c.firstMessage());
    const serverFinal = server.final(c.finalMessage(serverFirst));
    expect(serverFinal.toString()).toMatch(/^v=/);
    expect(Buffer.from(serverFinal.toString().slice(2), 'base64')).toHaveLength(64);
    expect(() => c.verifyServerFinal(serverFinal)).not.toThrow();
  });

  test('the default nonce is random, printable and without ","', () => {
    const a = new ScramClient({ digest: 'sha256', username: 'u', password: 'p' }).firstMessage().toString();
    const z = new ScramClient({ digest: 'sha256', username: 'u', password: 'p' }).firstMessage().toString();
    const nonceA = a.split(',r=')[1];
    expect(nonceA.length).toBeGreaterThanOrEqual(24);
    expect(nonceA).toMatch(/^[\x21-\x2b\x2d-\x7e]+$/);
    expect(a).not.toBe(z);
  });
});

// ------------------------------------------------------------------------------------------
// SCRAM: what the client checks

describe('SCRAM checks', () => {
  const NONCE = 'clientnonce0123';
  const client = (username = 'user', password = 'pencil') => {
    const c = new ScramClient({ digest: 'sha256', username, password, nonce: NONCE });
    c.firstMessage();
    return c;
  };

  test('usernames escape "=" and "," (RFC 5802 section 5.1); the password is sent as its UTF-8 bytes', () => {
    expect(escapeUsername('a=b,c')).toBe('a=3Db=2Cc');
    expect(escapeUsername('=,=')).toBe('=3D=2C=3D');
    expect(escapeUsername('plain')).toBe('plain');
    const c = new ScramClient({ digest: 'sha256', username: 'us=er,x', password: 'p', nonce: NONCE });
    expect(c.firstMessage().toString()).toBe(`n,,n=us=3Der=2Cx,r=${NONCE}`);
    // A non-ASCII name and password still authenticate against a server that stores UTF-8 bytes.
    const server = new ScramServer('sha256', new Map([['jörg,=', 'päss\u00a0wörd']]), 4096);
    const u = new ScramClient({ digest: 'sha256', username: 'jörg,=', password: 'päss\u00a0wörd' });
    const final = server.final(u.finalMessage(server.first(u.firstMessage())));
    expect(() => u.verifyServerFinal(final)).not.toThrow();
  });

  test('a server nonce that does not start with ours is refused', () => {
    expect(() => client().finalMessage(b('r=othernonce0123xyz,s=QSXCR+Q6sek8bf92,i=4096'))).toThrow(SaslAuthenticationError);
    expect(() => client().finalMessage(b('r=othernonce0123xyz,s=QSXCR+Q6sek8bf92,i=4096'))).toThrow(/nonce/);
  });

  test('a server nonce with no server part is refused', () => {
    expect(() => client().finalMessage(b(`r=${NONCE},s=QSXCR+Q6sek8bf92,i=4096`))).toThrow(/nonce/);
  });

  test('fewer than 4096 iterations are refused; 4096 is fine', () => {
    expect(() => client().finalMessage(b(`r=${NONCE}x,s=QSXCR+Q6sek8bf92,i=4095`))).toThrow(/4095 SCRAM iterations, fewer than the minimum 4096/);
    expect(() => client().finalMessage(b(`r=${NONCE}x,s=QSXCR+Q6sek8bf92,i=4096`))).not.toThrow();
    expect(() => client().finalMessage(b(`r=${NONCE}x,s=QSXCR+Q6sek8bf92,i=99999999`))).toThrow(/more than this client allows/);
  });

  test('malformed server-first messages are refused', () => {
    for (const bad of [
      '',
      'garbage',
      `r=${NONCE}x,i=4096`, // no salt
      `r=${NONCE}x,s=QSXCR+Q6sek8bf92`, // no iterations
      `r=${NONCE}x,s=,i=4096`, // empty salt
      `r=${NONCE}x,s=not*base64,i=4096`,
      `r=${NONCE}x,s=QSXCR+Q6sek8bf92,i=-5`,
      `r=${NONCE}x,s=QSXCR+Q6sek8bf92,i=4096.5`,
      `m=ext,r=${NONCE}x,s=QSXCR+Q6sek8bf92,i=4096`, // mandatory extension
    ]) {
      expect(() => parseServerFirst(bad, NONCE)).toThrow(SaslAuthenticationError);
    }
    // Unknown optional extensions after i are ignored.
    expect(parseServerFirst(`r=${NONCE}x,s=QSXCR+Q6sek8bf92,i=4096,x=ext`, NONCE).iterations).toBe(4096);
  });

  test('a wrong server signature is refused', () => {
    const server = new ScramServer('sha256', new Map([['user', 'pencil']]), 4096);
    const c = new ScramClient({ digest: 'sha256', username: 'user', password: 'pencil' });
    const final = server.final(c.finalMessage(server.first(c.firstMessage())));
    const sig = Buffer.from(final.toString().slice(2), 'base64');
    sig[0] ^= 1;
    expect(() => c.verifyServerFinal(b(`v=${sig.toString('base64')}`))).toThrow(/server signature does not verify/);
  });

  test('a server that does not know the password cannot produce a valid signature', () => {
    // The server holds another password: it cannot verify our proof, and its signature fails ours.
    const server = new ScramServer('sha256', new Map([['user', 'other']]), 4096, { skipProofCheck: true });
    const c = new ScramClient({ digest: 'sha256', username: 'user', password: 'pencil' });
    const final = server.final(c.finalMessage(server.first(c.firstMessage())));
    expect(() => c.verifyServerFinal(final)).toThrow(SaslAuthenticationError);
  });

  test('a server-final e= error becomes SaslAuthenticationError with the reason', () => {
    const c = client();
    c.finalMessage(b(`r=${NONCE}x,s=QSXCR+Q6sek8bf92,i=4096`));
    const err = captureSync(() => c.verifyServerFinal(b('e=invalid-proof')));
    expect(err).toBeInstanceOf(SaslAuthenticationError);
    expect(err.message).toContain('invalid-proof');
    expect((err as SaslAuthenticationError).retriable).toBe(false);
  });

  test('a server-final without v= is refused', () => {
    const c = client();
    c.finalMessage(b(`r=${NONCE}x,s=QSXCR+Q6sek8bf92,i=4096`));
    expect(() => c.verifyServerFinal(b('x=1'))).toThrow(/no server signature/);
  });

  test('steps out of order throw', () => {
    const c = new ScramClient({ digest: 'sha256', username: 'u', password: 'p', nonce: NONCE });
    expect(() => c.finalMessage(b('r=x'))).toThrow(/out of order/);
  });
});

// ------------------------------------------------------------------------------------------
// PLAIN

describe('PLAIN (RFC 4616)', () => {
  test('the message is NUL username NUL password, UTF-8, no authzid', () => {
    expect(plainMessage('alice', 'alice-secret').toString('hex')).toBe(Buffer.from('\0alice\0alice-secret', 'utf8').toString('hex'));
    expect([...plainMessage('a', 'b')]).toEqual([0, 0x61, 0, 0x62]);
    expect(plainMessage('jörg', 'pä').equals(Buffer.from([0, 0x6a, 0xc3, 0xb6, 0x72, 0x67, 0, 0x70, 0xc3, 0xa4]))).toBe(true);
    expect(plainMessage('user', '').equals(Buffer.from('\0user\0'))).toBe(true);
  });

  test('NUL in a credential, or an empty username, is refused before anything is sent', () => {
    expect(() => plainMessage('a\0b', 'p')).toThrow(SaslAuthenticationError);
    expect(() => plainMessage('a', 'p\0')).toThrow(SaslAuthenticationError);
    expect(() => plainMessage('', 'p')).toThrow(SaslAuthenticationError);
  });
});

// ------------------------------------------------------------------------------------------
// the exchange over a scripted transport

interface Sent {
  api: string;
  version: number;
  body: Buffer;
}

/** A transport that records each request's body bytes and answers from a script. */
function scriptedTransport(answers: ((sent: Sent) => unknown)[], versions: Record<number, number> = {}): SaslTransport & { sent: Sent[] } {
  const sent: Sent[] = [];
  const t = {
    address: '127.0.0.1:9999',
    sent,
    versionFor(api: ApiSpec): number {
      return versions[api.apiKey] ?? api.maxVersion;
    },
    request<T>(api: ApiSpec, encode: (w: Writer, v: number) => void): Promise<T> {
      const version = t.versionFor(api);
      const w = new Writer(64);
      encode(w, version);
      const s = { api: api.name, version, body: Buffer.from(w.view()) };
      sent.push(s);
      const next = answers.shift();
      if (!next) return Promise.reject(new Error(`unexpected ${api.name} request`));
      try {
        return Promise.resolve(next(s) as T);
      } catch (e) {
        return Promise.reject(e);
      }
    },
  };
  return t as unknown as SaslTransport & { sent: Sent[] };
}

const handshakeOk = (): SaslHandshakeResponse => ({ errorCode: 0, mechanisms: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] });
const authOk = (bytes: Buffer = Buffer.alloc(0)): SaslAuthenticateResponse => ({ errorCode: 0, errorMessage: null, authBytes: bytes, sessionLifetimeMs: 0 });
/** The auth bytes of a SaslAuthenticate v2 request body. */
const tokenOf = (s: Sent) => (s.version >= 2 ? new Reader(s.body).readCompactBytes('t') : new Reader(s.body).readBytes('t'));

describe('saslExchange', () => {
  test('PLAIN: SaslHandshake v1 names the mechanism, one SaslAuthenticate carries the message', async () => {
    const t = scriptedTransport([handshakeOk, () => authOk()]);
    await saslExchange(t, { mechanism: 'PLAIN', username: 'alice', password: 'alice-secret' });
    expect(t.sent.map((s) => `${s.api} v${s.version}`)).toEqual(['SaslHandshake v1', 'SaslAuthenticate v2']);
    expect(new Reader(t.sent[0].body).readString('m')).toBe('PLAIN');
    expect(tokenOf(t.sent[1]).toString()).toBe('\0alice\0alice-secret');
    // v2 body: compact bytes (length + 1 as an unsigned varint), then empty tagged fields.
    expect(t.sent[1].body.toString('hex')).toBe(`14${Buffer.from('\0alice\0alice-secret').toString('hex')}00`);
  });

  test('SaslAuthenticate v0/v1 carry the token as classic bytes', async () => {
    const t = scriptedTransport([handshakeOk, () => authOk()], { [SASL_AUTHENTICATE_API.apiKey]: 0 });
    await saslExchange(t, { mechanism: 'PLAIN', username: 'a', password: 'b' });
    expect(t.sent[1].body.toString('hex')).toBe('00000004' + '00610062');
  });

  test.each(['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const)('%s: two round trips, server signature verified', async (mechanism) => {
    const server = new ScramServer(mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512', new Map([['alice', 'alice-secret']]), 8192);
    const t = scriptedTransport([handshakeOk, (s) => authOk(server.first(tokenOf(s))), (s) => authOk(server.final(tokenOf(s)))]);
    await saslExchange(t, { mechanism, username: 'alice', password: 'alice-secret' }, { nonce: 'fixedNonce42' });
    expect(new Reader(t.sent[0].body).readString('m')).toBe(mechanism);
    expect(tokenOf(t.sent[1]).toString()).toBe('n,,n=alice,r=fixedNonce42');
    expect(tokenOf(t.sent[2]).toString()).toMatch(/^c=biws,r=fixedNonce42[^,]+,p=[A-Za-z0-9+/]+=*$/);
  });

  test('a forged server-final fails the exchange', async () => {
    const server = new ScramServer('sha256', new Map([['alice', 'alice-secret']]), 4096);
    const t = scriptedTransport([handshakeOk, (s) => authOk(server.first(tokenOf(s))), () => authOk(b(`v=${Buffer.alloc(32).toString('base64')}`))]);
    await expect(saslExchange(t, { mechanism: 'SCRAM-SHA-256', username: 'alice', password: 'alice-secret' })).rejects.toThrow(/server signature/);
  });

  test('UNSUPPORTED_SASL_MECHANISM -> UnsupportedSaslMechanismError listing what the broker offers', async () => {
    const t = scriptedTransport([() => ({ errorCode: 33, mechanisms: ['GSSAPI', 'OAUTHBEARER'] })]);
    const err = await capture(saslExchange(t, { mechanism: 'SCRAM-SHA-512', username: 'a', password: 'b' }));
    expect(err).toBeInstanceOf(UnsupportedSaslMechanismError);
    expect(err.message).toContain('SCRAM-SHA-512 is not enabled on 127.0.0.1:9999; the broker offers: GSSAPI, OAUTHBEARER');
    expect((err as KafkaError).retriable).toBe(false);
    expect(t.sent).toHaveLength(1);
  });

  test('another handshake error -> its typed broker error (a PLAINTEXT listener says ILLEGAL_SASL_STATE)', async () => {
    const t = scriptedTransport([() => ({ errorCode: 34, mechanisms: [] })]);
    await expect(saslExchange(t, { mechanism: 'PLAIN', username: 'a', password: 'b' })).rejects.toBeInstanceOf(IllegalSaslStateError);
  });

  test("SASL_AUTHENTICATION_FAILED -> SaslAuthenticationError carrying the broker's message", async () => {
    const t = scriptedTransport([handshakeOk, () => ({ errorCode: 58, errorMessage: 'Authentication failed: Invalid username or password', authBytes: Buffer.alloc(0), sessionLifetimeMs: 0 })]);
    const err = await capture(saslExchange(t, { mechanism: 'PLAIN', username: 'a', password: 'wrong' }));
    expect(err).toBeInstanceOf(SaslAuthenticationError);
    expect((err as SaslAuthenticationError).brokerMessage).toBe('Authentication failed: Invalid username or password');
    expect((err as KafkaError).retriable).toBe(false);
  });

  test('a broker with SaslHandshake v0 only is refused without sending anything', async () => {
    const t = scriptedTransport([], { [SASL_HANDSHAKE_API.apiKey]: 0 });
    await expect(saslExchange(t, { mechanism: 'PLAIN', username: 'a', password: 'b' })).rejects.toThrow(/SaslHandshake v0 only/);
    expect(t.sent).toHaveLength(0);
  });

  test('an unknown mechanism is refused without sending anything', async () => {
    const t = scriptedTransport([]);
    await expect(saslExchange(t, { mechanism: 'GSSAPI' as never, username: 'a', password: 'b' })).rejects.toThrow(SaslAuthenticationError);
    expect(t.sent).toHaveLength(0);
  });
});

describe('authenticationFailureOf', () => {
  test('SASL errors are authentication failures; connection errors are not', () => {
    const sasl = new SaslAuthenticationError('x');
    expect(authenticationFailureOf(sasl)).toBe(sasl);
    expect(authenticationFailureOf(new UnsupportedSaslMechanismError('x'))).toBeInstanceOf(UnsupportedSaslMechanismError);
    expect(authenticationFailureOf(new ConnectionError('refused', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) }))).toBeNull();
    expect(authenticationFailureOf(new Error('x'))).toBeNull();
  });

  test('a TLS certificate failure in the cause chain is a non-retriable ERR_KAFKA_SSL_AUTHENTICATION', () => {
    const tlsErr = Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    const err = authenticationFailureOf(new ConnectionError('cannot connect to 127.0.0.1:1: self-signed certificate', { broker: '127.0.0.1:1', cause: tlsErr }));
    expect(err).toBeInstanceOf(KafkaError);
    expect(err!.code).toBe('ERR_KAFKA_SSL_AUTHENTICATION');
    expect(err!.retriable).toBe(false);
    expect(err!.message).toBe('TLS handshake with 127.0.0.1:1 failed (DEPTH_ZERO_SELF_SIGNED_CERT): self-signed certificate');
  });
});

// ------------------------------------------------------------------------------------------
// Connection.authenticate against a SASL server on a socket

describe('Connection.authenticate over a socket', () => {
  let server: MiniSaslBroker;
  afterEach(async () => server?.close());

  test('SCRAM-SHA-512: the connection is withheld (authenticating) until SASL is done, then ready', async () => {
    server = await MiniSaslBroker.start({ users: new Map([['alice', 'alice-secret']]), delayMs: 30 });
    const conn = new Connection({ host: '127.0.0.1', port: server.port, requestTimeoutMs: 5000 });
    await conn.connect();
    expect(conn.state).toBe('ready');
    const p = authenticate(conn, { mechanism: 'SCRAM-SHA-512', username: 'alice', password: 'alice-secret' });
    expect(conn.state).toBe('authenticating');
    const again = conn.connect(); // a second connect() waits for the same attempt
    await p;
    await again;
    expect(conn.state).toBe('ready');
    expect(server.log).toEqual(['ApiVersions v4', 'SaslHandshake v1', 'SaslAuthenticate v2', 'SaslAuthenticate v2']);
    expect(server.authenticated).toEqual(['SCRAM-SHA-512:alice']);
    conn.close();
  });

  test('PLAIN over the socket', async () => {
    server = await MiniSaslBroker.start({ users: new Map([['bob', 'bob-secret']]) });
    const conn = new Connection({ host: '127.0.0.1', port: server.port, requestTimeoutMs: 5000 });
    await conn.connect();
    await authenticate(conn, { mechanism: 'PLAIN', username: 'bob', password: 'bob-secret' });
    expect(server.authenticated).toEqual(['PLAIN:bob']);
    conn.close();
  });

  test('a wrong password rejects with SaslAuthenticationError and closes the connection with it', async () => {
    server = await MiniSaslBroker.start({ users: new Map([['alice', 'alice-secret']]) });
    const conn = new Connection({ host: '127.0.0.1', port: server.port, requestTimeoutMs: 5000 });
    const closed = new Promise<Error>((resolve) => conn.once('close', resolve));
    await conn.connect();
    const err = await capture(authenticate(conn, { mechanism: 'SCRAM-SHA-256', username: 'alice', password: 'nope' }));
    expect(err).toBeInstanceOf(SaslAuthenticationError);
    expect(conn.state).toBe('closed');
    expect(await closed).toBe(err);
    await expect(conn.connect()).rejects.toBeInstanceOf(ConnectionError);
  });

  test('the broker dropping the socket mid-exchange rejects (no hang) and closes', async () => {
    server = await MiniSaslBroker.start({ users: new Map([['alice', 'alice-secret']]), dropOnAuthenticate: true });
    const conn = new Connection({ host: '127.0.0.1', port: server.port, requestTimeoutMs: 5000 });
    await conn.connect();
    await expect(authenticate(conn, { mechanism: 'PLAIN', username: 'alice', password: 'alice-secret' })).rejects.toBeInstanceOf(ConnectionError);
    expect(conn.state).toBe('closed');
  });

  test('authenticate() on a connection that is not ready rejects', async () => {
    const conn = new Connection({ host: '127.0.0.1', port: 1 });
    await expect(authenticate(conn, { mechanism: 'PLAIN', username: 'a', password: 'b' })).rejects.toBeInstanceOf(ConnectionError);
  });
});

// ------------------------------------------------------------------------------------------
// helpers

function captureSync(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

async function capture(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

/** The server side of SCRAM (RFC 5802 section 3), from a stored password, for these tests. */
class ScramServer {
  private bare = '';
  private serverFirst = '';
  /** The username of the exchange, unescaped. */
  user = '';
  private nonce = '';
  constructor(
    private readonly digest: 'sha256' | 'sha512',
    private readonly users: Map<string, string>,
    private readonly iterations: number,
    private readonly opts: { skipProofCheck?: boolean } = {},
  ) {}

  private keys(user: string) {
    const password = this.users.get(user);
    if (password === undefined) return null;
    const salt = crypto.createHash('sha256').update(`salt:${user}`).digest().subarray(0, 16);
    const len = this.digest === 'sha256' ? 32 : 64;
    const salted = crypto.pbkdf2Sync(Buffer.from(password, 'utf8'), salt, this.iterations, len, this.digest);
    const mac = (k: Buffer, s: string) => crypto.createHmac(this.digest, k).update(s).digest();
    return { salt, storedKey: crypto.createHash(this.digest).update(mac(salted, 'Client Key')).digest(), serverKey: mac(salted, 'Server Key'), mac };
  }

  first(clientFirst: Buffer): Buffer {
    const text = clientFirst.toString('utf8');
    if (!text.startsWith('n,,')) throw new Error(`bad gs2 header: ${text}`);
    this.bare = text.slice(3);
    const m = /^n=([^,]*),r=([^,]+)$/.exec(this.bare);
    if (!m) throw new Error(`bad client-first: ${text}`);
    this.user = m[1].replace(/=2C/g, ',').replace(/=3D/g, '=');
    const k = this.keys(this.user);
    const salt = k ? k.salt : crypto.randomBytes(16);
    this.nonce = m[2] + crypto.randomBytes(12).toString('base64');
    this.serverFirst = `r=${this.nonce},s=${salt.toString('base64')},i=${this.iterations}`;
    return b(this.serverFirst);
  }

  /** server-final, or throws 'invalid-proof' (as e=) when the proof does not verify. */
  final(clientFinal: Buffer): Buffer {
    const text = clientFinal.toString('utf8');
    const m = /^(c=biws,r=([^,]+)),p=([A-Za-z0-9+/=]+)$/.exec(text);
    if (!m || m[2] !== this.nonce) return b('e=other-error');
    const k = this.keys(this.user);
    if (!k) return b('e=unknown-user');
    const authMessage = `${this.bare},${this.serverFirst},${m[1]}`;
    const clientSignature = k.mac(k.storedKey, authMessage);
    const proof = Buffer.from(m[3], 'base64');
    const clientKey = Buffer.from(proof.map((x, i) => x ^ clientSignature[i]));
    const ok = crypto.createHash(this.digest).update(clientKey).digest().equals(k.storedKey);
    if (!ok && !this.opts.skipProofCheck) return b('e=invalid-proof');
    return b(`v=${k.mac(k.serverKey, authMessage).toString('base64')}`);
  }
}

/**
 * Just enough of a broker for SASL: ApiVersions (the three APIs involved), SaslHandshake and
 * SaslAuthenticate with PLAIN and SCRAM-SHA-256/512. A failed authentication is answered with
 * SASL_AUTHENTICATION_FAILED, then the socket is closed, as Kafka does.
 */
class MiniSaslBroker {
  readonly log: string[] = [];
  readonly authenticated: string[] = [];
  private readonly sockets = new Set<net.Socket>();
  private constructor(
    private readonly server: net.Server,
    private readonly opts: { users: Map<string, string>; delayMs?: number; dropOnAuthenticate?: boolean },
  ) {}

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  static async start(opts: { users: Map<string, string>; delayMs?: number; dropOnAuthenticate?: boolean }): Promise<MiniSaslBroker> {
    const server = net.createServer();
    const broker = new MiniSaslBroker(server, opts);
    server.on('connection', (s) => broker.serve(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return broker;
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    let mechanism = '';
    let scram: ScramServer | null = null;
    let round = 0;
    let queue = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        const frame = buf.subarray(4, 4 + buf.readInt32BE(0));
        buf = buf.subarray(4 + frame.length);
        queue = queue.then(() => handle(frame));
      }
    });
    const send = (correlationId: number, flexibleHeader: boolean, body: (w: Writer) => void) => {
      const w = new Writer(64);
      const at = w.reserveInt32();
      w.writeInt32(correlationId);
      if (flexibleHeader) w.writeEmptyTaggedFields();
      body(w);
      w.patchInt32(at, w.offset - 4);
      socket.write(Buffer.from(w.view()));
    };
    const handle = async (frame: Buffer) => {
      if (this.opts.delayMs) await new Promise((r) => setTimeout(r, this.opts.delayMs));
      const r = new Reader(frame);
      const apiKey = r.readInt16('apiKey');
      const version = r.readInt16('apiVersion');
      const correlationId = r.readInt32('correlationId');
      r.readNullableString('clientId');
      const flexible = (apiKey === API_VERSIONS_API.apiKey && version >= 3) || (apiKey === SASL_AUTHENTICATE_API.apiKey && version >= 2);
      if (flexible) r.readTaggedFields('header');
      if (apiKey === API_VERSIONS_API.apiKey) {
        this.log.push(`ApiVersions v${version}`);
        send(correlationId, false, (w) => {
          w.writeInt16(0);
          const apis = [API_VERSIONS_API, SASL_HANDSHAKE_API, SASL_AUTHENTICATE_API];
          w.writeCompactArrayLength(apis.length);
          for (const a of apis) w.writeInt16(a.apiKey).writeInt16(a.minVersion).writeInt16(a.maxVersion).writeEmptyTaggedFields();
          w.writeInt32(0);
          w.writeEmptyTaggedFields();
        });
      } else if (apiKey === SASL_HANDSHAKE_API.apiKey) {
        this.log.push(`SaslHandshake v${version}`);
        mechanism = r.readString('mechanism');
        const offered = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];
        if (mechanism.startsWith('SCRAM-')) scram = new ScramServer(mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512', this.opts.users, 4096);
        send(correlationId, false, (w) => {
          w.writeInt16(offered.includes(mechanism) ? 0 : 33);
          w.writeArrayLength(offered.length);
          for (const m of offered) w.writeString(m);
        });
      } else if (apiKey === SASL_AUTHENTICATE_API.apiKey) {
        this.log.push(`SaslAuthenticate v${version}`);
        if (this.opts.dropOnAuthenticate) {
          socket.destroy();
          return;
        }
        const token = version >= 2 ? r.readCompactBytes('auth') : r.readBytes('auth');
        let reply: Buffer = Buffer.alloc(0);
        let error: string | null = null;
        if (mechanism === 'PLAIN') {
          const [, user, pass] = token.toString('utf8').split('\0');
          if (this.opts.users.get(user) === pass) this.authenticated.push(`PLAIN:${user}`);
          else error = 'Authentication failed: Invalid username or password';
        } else if (scram) {
          if (round++ === 0) reply = scram.first(token);
          else {
            reply = scram.final(token);
            if (reply.toString().startsWith('e=')) error = `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`;
            else this.authenticated.push(`${mechanism}:${scram.user}`);
          }
        }
        send(correlationId, version >= 2, (w) => {
          w.writeInt16(error ? 58 : 0);
          if (version >= 2) {
            w.writeCompactNullableString(error);
            w.writeCompactBytes(error ? Buffer.alloc(0) : reply);
          } else {
            w.writeNullableString(error);
            w.writeBytes(error ? Buffer.alloc(0) : reply);
          }
          if (version >= 1) w.writeInt64(0);
          if (version >= 2) w.writeEmptyTaggedFields();
        });
        if (error) setTimeout(() => socket.destroy(), 20);
      }
    };
  }
}

// ------------------------------------------------------------------------------------------
// OAUTHBEARER (RFC 7628)

describe('OAUTHBEARER client message', () => {
  // Vectors from Kafka's OAuthBearerClientInitialResponseTest.testBuildClientResponseToBytes.
  test('token only', () => {
    expect(oauthBearerInitialResponse('123.345.567').toString('utf8')).toBe('n,,\u0001auth=Bearer 123.345.567\u0001\u0001');
  });
  test('with a SASL extension (KIP-342)', () => {
    expect(oauthBearerInitialResponse('123.345.567', { nineteen: '42' }).toString('utf8')).toBe('n,,\u0001auth=Bearer 123.345.567\u0001nineteen=42\u0001\u0001');
  });
  test('bad tokens and extensions are refused before anything is sent', () => {
    expect(() => oauthBearerInitialResponse('')).toThrow(SaslAuthenticationError);
    expect(() => oauthBearerInitialResponse('a b')).toThrow(/characters/);
    expect(() => oauthBearerInitialResponse('t', { auth: 'x' })).toThrow(/reserved/);
    expect(() => oauthBearerInitialResponse('t', { 'x-y': 'x' })).toThrow(/letters/);
    expect(() => oauthBearerInitialResponse('t', { x: '\u0001' })).toThrow(/printable/);
  });
  test('jwtExpiryMs reads exp (seconds) as ms; null for opaque tokens', () => {
    const jwt = (claims: object) => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
    expect(jwtExpiryMs(jwt({ sub: 'a', exp: 1700000000 }))).toBe(1700000000000);
    expect(jwtExpiryMs(jwt({ sub: 'a' }))).toBeNull();
    expect(jwtExpiryMs('opaque-token')).toBeNull();
    expect(jwtExpiryMs('a.b.c')).toBeNull();
  });
});

describe('saslExchange, OAUTHBEARER', () => {
  const tokens = (value: string, extensions?: Record<string, string>) => ({ current: async () => ({ value, extensions }) });

  test('one SaslAuthenticate with the token; the session lifetime of v1+ is reported', async () => {
    const t = scriptedTransport([() => ({ errorCode: 0, mechanisms: ['OAUTHBEARER'] }), () => ({ ...authOk(), sessionLifetimeMs: 3600000 })]);
    const outcome = await saslExchange(t, { mechanism: 'OAUTHBEARER', tokens: tokens('eyJ.eyJ.sig', { traceId: 'abc' }) });
    expect(outcome).toEqual({ sessionLifetimeMs: 3600000 });
    expect(t.sent.map((s) => s.api)).toEqual(['SaslHandshake', 'SaslAuthenticate']);
    expect(new Reader(t.sent[0].body).readString('m')).toBe('OAUTHBEARER');
    expect(tokenOf(t.sent[1]).toString()).toBe('n,,\u0001auth=Bearer eyJ.eyJ.sig\u0001traceId=abc\u0001\u0001');
  });

  test("the server's JSON error is answered with 0x01; the failure carries the broker's message and the status", async () => {
    const t = scriptedTransport([
      () => ({ errorCode: 0, mechanisms: ['OAUTHBEARER'] }),
      () => authOk(b('{"status":"invalid_token"}')),
      () => ({ errorCode: 58, errorMessage: 'Authentication failed during authentication due to invalid credentials with SASL mechanism OAUTHBEARER', authBytes: Buffer.alloc(0), sessionLifetimeMs: 0 }),
    ]);
    const err = await capture(saslExchange(t, { mechanism: 'OAUTHBEARER', tokens: tokens('x.y.z') }));
    expect(tokenOf(t.sent[2])).toEqual(Buffer.from([1]));
    expect(err).toBeInstanceOf(SaslAuthenticationError);
    expect(err.message).toContain('invalid credentials');
    expect(err.message).toContain('status invalid_token');
  });

  test('a token source that fails: no request is sent', async () => {
    const t = scriptedTransport([]);
    const failing = { current: () => Promise.reject(saslFailure('the token provider failed: boom')) };
    await expect(saslExchange(t, { mechanism: 'OAUTHBEARER', tokens: failing })).rejects.toThrow(/boom/);
    expect(t.sent).toHaveLength(0);
  });
});
