/**
 * SCRAM client (RFC 5802; SCRAM-SHA-256 per RFC 7677, SCRAM-SHA-512 by the same rules),
 * as Kafka speaks it: no channel binding (gs2 header "n,,"), no authorization identity, the
 * password used as its UTF-8 bytes.
 *
 *   client-first  n,,n=<user>,r=<client nonce>
 *   server-first  r=<client nonce + server nonce>,s=<salt, base64>,i=<iterations>
 *   client-final  c=biws,r=<nonce>,p=<proof, base64>
 *   server-final  v=<server signature, base64>   (or e=<error>)
 *
 * About SASLprep (RFC 4013): Kafka's own client and its broker-side credential store both use
 * the password's UTF-8 bytes as they are, without SASLprep. Normalizing here would make a
 * password with, say, a compatibility character fail against credentials that the Kafka
 * tools created, so the password is not normalized; the username gets the escaping that
 * RFC 5802 requires ("=" -> "=3D", "," -> "=2C"), which the broker undoes.
 *
 * Pure: no sockets. The exchange over SaslAuthenticate is in ./index.ts.
 */
import * as crypto from 'node:crypto';
import { saslFailure } from './failure';

export type ScramDigest = 'sha1' | 'sha256' | 'sha512';

/** The SCRAM mechanisms Kafka offers, and their hash. (SHA-1 exists only for RFC 5802's test vector.) */
export const SCRAM_DIGESTS: Readonly<Record<'SCRAM-SHA-256' | 'SCRAM-SHA-512', ScramDigest>> = {
  'SCRAM-SHA-256': 'sha256',
  'SCRAM-SHA-512': 'sha512',
};

/** RFC 5802 section 5.1: at least 4096 (also Kafka's minimum for both mechanisms). */
export const MIN_ITERATIONS = 4096;
/**
 * A sanity bound: PBKDF2 runs on the event loop, so a hostile or broken server asking for an
 * absurd iteration count must not stall the process. Kafka itself allows at most 16384.
 */
export const MAX_ITERATIONS = 1_000_000;

const GS2_HEADER = 'n,,';
/** base64("n,,"): the channel binding attribute when none is used. */
const CHANNEL_BINDING = 'biws';

/** RFC 5802 section 5.1, "n=": "=" and "," in a username are written as "=3D" and "=2C". */
export function escapeUsername(username: string): string {
  return username.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

/** A client nonce: printable ASCII without "," (base64 of random bytes has none). */
export function randomNonce(): string {
  return crypto.randomBytes(24).toString('base64');
}

export interface ServerFirst {
  nonce: string;
  salt: Buffer;
  iterations: number;
}

/** Splits "k=v,k=v" into attributes; a value may itself contain "=". */
function parseAttributes(message: string, what: string): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const part of message.split(',')) {
    if (part.length < 2 || part[1] !== '=' || !/^[A-Za-z]$/.test(part[0])) {
      throw saslFailure(`malformed SCRAM ${what} message from the server: ${JSON.stringify(message.slice(0, 200))}`);
    }
    if (!attrs.has(part[0])) attrs.set(part[0], part.slice(2));
  }
  return attrs;
}

/** Parses and checks server-first against our nonce (RFC 5802 sections 5.1 and 7). */
export function parseServerFirst(message: string, clientNonce: string): ServerFirst {
  if (message.startsWith('m=')) throw saslFailure('the server requires a SCRAM extension this client does not know (m=)');
  const attrs = parseAttributes(message, 'server-first');
  const err = attrs.get('e');
  if (err !== undefined) throw saslFailure(`the server refused the exchange: ${err}`);
  const nonce = attrs.get('r');
  const saltText = attrs.get('s');
  const iterText = attrs.get('i');
  if (nonce === undefined || saltText === undefined || iterText === undefined) {
    throw saslFailure(`the SCRAM server-first message lacks r, s or i: ${JSON.stringify(message.slice(0, 200))}`);
  }
  if (!nonce.startsWith(clientNonce) || nonce.length <= clientNonce.length) {
    throw saslFailure('the server nonce does not extend the client nonce (possible replay or a broken server)');
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(saltText)) throw saslFailure('the SCRAM salt is not base64');
  const salt = Buffer.from(saltText, 'base64');
  if (salt.length === 0) throw saslFailure('the SCRAM salt is empty');
  if (!/^[0-9]{1,10}$/.test(iterText)) throw saslFailure(`the SCRAM iteration count is not a number: ${JSON.stringify(iterText)}`);
  const iterations = Number(iterText);
  if (iterations < MIN_ITERATIONS) throw saslFailure(`the server asks for ${iterations} SCRAM iterations, fewer than the minimum ${MIN_ITERATIONS}`);
  if (iterations > MAX_ITERATIONS) throw saslFailure(`the server asks for ${iterations} SCRAM iterations, more than this client allows (${MAX_ITERATIONS})`);
  return { nonce, salt, iterations };
}

function hmac(digest: ScramDigest, key: Buffer, text: string | Buffer): Buffer {
  return crypto.createHmac(digest, key).update(text).digest();
}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] ^ b[i];
  return out;
}

export interface ScramClientOptions {
  digest: ScramDigest;
  username: string;
  password: string;
  /** Fixed client nonce (tests); default: 24 random bytes, base64. */
  nonce?: string;
}

/**
 * One SCRAM exchange, client side: firstMessage() -> finalMessage(serverFirst) ->
 * verifyServerFinal(serverFinal). Each step may be called once, in order.
 */
export class ScramClient {
  private readonly digest: ScramDigest;
  private readonly clientNonce: string;
  private readonly clientFirstBare: string;
  private readonly password: string;
  private expectedServerSignature: Buffer | null = null;
  private step: 'first' | 'final' | 'verify' | 'done' = 'first';

  constructor(opts: ScramClientOptions) {
    this.digest = opts.digest;
    this.password = opts.password;
    this.clientNonce = opts.nonce ?? randomNonce();
    if (this.clientNonce.length === 0 || /[^\x21-\x2b\x2d-\x7e]/.test(this.clientNonce)) {
      throw new TypeError('a SCRAM nonce must be printable ASCII without ","');
    }
    if (opts.username.length === 0) throw saslFailure('the SCRAM username is empty');
    this.clientFirstBare = `n=${escapeUsername(opts.username)},r=${this.clientNonce}`;
  }

  /** client-first-message. */
  firstMessage(): Buffer {
    this.advance('first', 'final');
    return Buffer.from(GS2_HEADER + this.clientFirstBare, 'utf8');
  }

  /** client-final-message for the server's server-first-message. */
  finalMessage(serverFirstBytes: Uint8Array): Buffer {
    this.advance('final', 'verify');
    const serverFirst = Buffer.from(serverFirstBytes).toString('utf8');
    const { nonce, salt, iterations } = parseServerFirst(serverFirst, this.clientNonce);
    const withoutProof = `c=${CHANNEL_BINDING},r=${nonce}`;
    const authMessage = `${this.clientFirstBare},${serverFirst},${withoutProof}`;
    const keyLength = crypto.createHash(this.digest).digest().length;
    // Hi(password, salt, i) is PBKDF2 with HMAC-H and a one-block output (RFC 5802 section 2.2).
    const saltedPassword = crypto.pbkdf2Sync(Buffer.from(this.password, 'utf8'), salt, iterations, keyLength, this.digest);
    const clientKey = hmac(this.digest, saltedPassword, 'Client Key');
    const storedKey = crypto.createHash(this.digest).update(clientKey).digest();
    const clientSignature = hmac(this.digest, storedKey, authMessage);
    const proof = xor(clientKey, clientSignature);
    const serverKey = hmac(this.digest, saltedPassword, 'Server Key');
    this.expectedServerSignature = hmac(this.digest, serverKey, authMessage);
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8');
  }

  /** Checks server-final: the server proves it knows the credential too. Throws if not. */
  verifyServerFinal(serverFinalBytes: Uint8Array): void {
    this.advance('verify', 'done');
    const serverFinal = Buffer.from(serverFinalBytes).toString('utf8');
    const attrs = parseAttributes(serverFinal, 'server-final');
    const err = attrs.get('e');
    if (err !== undefined) throw saslFailure(`the server refused the credentials: ${err}`);
    const v = attrs.get('v');
    if (v === undefined) throw saslFailure('the SCRAM server-final message has no server signature (v=)');
    const got = Buffer.from(v, 'base64');
    const expected = this.expectedServerSignature!;
    if (got.length !== expected.length || !crypto.timingSafeEqual(got, expected)) {
      throw saslFailure('the server signature does not verify: the server does not know this credential (or the exchange was tampered with)');
    }
  }

  private advance(expected: ScramClient['step'], next: ScramClient['step']): void {
    if (this.step !== expected) throw new Error(`SCRAM client: step '${expected}' called out of order (at '${this.step}')`);
    this.step = next;
  }
}
