/**
 * SASL on a new connection (KIP-43, KIP-152): after ApiVersions, SaslHandshake v1 names the
 * mechanism, then SaslAuthenticate requests carry the mechanism's tokens until it is done.
 * Only then may other requests use the connection.
 *
 * - PLAIN: one round trip (./plain.ts).
 * - SCRAM-SHA-256 / SCRAM-SHA-512: two round trips (./scram.ts); the server's signature in
 *   the last answer is checked, so a server that does not know the credential is refused.
 * - OAUTHBEARER: one round trip with the token (./oauthbearer.ts), taken from the producer's
 *   token source (./token-source.ts), which caches and refreshes it; a server error costs a
 *   second round trip (RFC 7628's 0x01 answer) whose failure carries the broker's message.
 * - Any failure closes the connection and rejects with a non-retriable error:
 *   UnsupportedSaslMechanismError (listing what the broker offers), IllegalSaslStateError,
 *   or SaslAuthenticationError (the broker's message, or what this client found wrong).
 *
 * The exchange reports the session lifetime of SaslAuthenticate v1+ (KIP-368); the connection
 * runs the exchange again on the same socket before the session ends (Connection.authenticate).
 */
import { SASL_AUTHENTICATE_API, SASL_HANDSHAKE_API } from '../../protocol/api-keys';
import { brokerErrorFor, ErrorCode, UnsupportedSaslMechanismError } from '../../protocol/errors';
import { decodeSaslAuthenticateResponse, encodeSaslAuthenticateRequest, type SaslAuthenticateResponse } from '../../protocol/messages/sasl-authenticate';
import { decodeSaslHandshakeResponse, encodeSaslHandshakeRequest } from '../../protocol/messages/sasl-handshake';
import { type Clock, systemClock } from '../clock';
import type { AuthOutcome, AuthTransport, Connection } from '../connection';
import { saslFailure } from './failure';
import { describeServerError, OAUTHBEARER_ERROR_ACK, oauthBearerInitialResponse } from './oauthbearer';
import { plainMessage } from './plain';
import { SCRAM_DIGESTS, ScramClient } from './scram';

export { authenticationFailureOf, saslFailure, tlsFailureCode } from './failure';
export { plainMessage } from './plain';
export { escapeUsername, parseServerFirst, ScramClient, SCRAM_DIGESTS } from './scram';

export type SaslMechanismName = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER';

/** Where an OAUTHBEARER exchange takes its token (an OAuthBearerTokenSource). */
export interface OAuthBearerTokens {
  current(): Promise<{ value: string; extensions?: Readonly<Record<string, string>> }>;
}

export type SaslCredentials =
  | { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; username: string; password: string }
  | { mechanism: 'OAUTHBEARER'; tokens: OAuthBearerTokens };

export interface SaslExchangeOptions {
  /** Fixed SCRAM client nonce (tests only). */
  nonce?: string;
  /** Longest wait for a token before the exchange fails (the producer's request.timeout.ms). Default 30 s. */
  tokenTimeoutMs?: number;
  /** The clock of that wait. Default: the system's. */
  clock?: Clock;
}

/** What the exchange needs of a connection (a Connection's authentication transport, or a fake in unit tests). */
export type SaslTransport = AuthTransport;

/**
 * Authenticates a connection that has just negotiated versions. While this runs the
 * connection is withheld from other users (Connection.authenticate); on failure it is closed.
 * The connection runs the exchange again when the broker limits the session (KIP-368).
 */
export function authenticate(conn: Connection, sasl: SaslCredentials, opts: SaslExchangeOptions = {}): Promise<void> {
  return conn.authenticate((transport) => saslExchange(transport, sasl, opts));
}

/** The SASL requests themselves, on a transport that is ready for them. */
export async function saslExchange(conn: SaslTransport, sasl: SaslCredentials, opts: SaslExchangeOptions = {}): Promise<AuthOutcome> {
  const { mechanism } = sasl;
  if (mechanism !== 'PLAIN' && mechanism !== 'OAUTHBEARER' && !(mechanism in SCRAM_DIGESTS)) {
    throw saslFailure(`mechanism ${JSON.stringify(mechanism)} is not supported by kafka-wire (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER)`);
  }
  // Build the first token before any I/O: bad credentials fail here, without a round trip.
  let scram: ScramClient | null = null;
  let firstToken: Buffer;
  if (sasl.mechanism === 'OAUTHBEARER') {
    const token = await withTimeout(sasl.tokens.current(), opts.tokenTimeoutMs ?? 30_000, opts.clock ?? systemClock, conn.address);
    firstToken = oauthBearerInitialResponse(token.value, token.extensions);
  } else if (sasl.mechanism === 'PLAIN') {
    firstToken = plainMessage(sasl.username, sasl.password);
  } else {
    scram = new ScramClient({ digest: SCRAM_DIGESTS[sasl.mechanism], username: sasl.username, password: sasl.password, nonce: opts.nonce });
    firstToken = scram.firstMessage();
  }

  // v0 would mean raw tokens on the socket instead of SaslAuthenticate (pre-1.0 brokers).
  if (conn.versionFor(SASL_HANDSHAKE_API) < 1) {
    throw saslFailure(`broker ${conn.address} speaks SaslHandshake v0 only; kafka-wire needs v1 (Kafka 1.0 or newer)`);
  }
  const hs = await conn.request(SASL_HANDSHAKE_API, (w, v) => encodeSaslHandshakeRequest(w, v, { mechanism }), decodeSaslHandshakeResponse);
  if (hs.errorCode === ErrorCode.UNSUPPORTED_SASL_MECHANISM) {
    const offered = hs.mechanisms.length > 0 ? hs.mechanisms.join(', ') : 'none';
    throw new UnsupportedSaslMechanismError(`${mechanism} is not enabled on ${conn.address}; the broker offers: ${offered}`);
  }
  if (hs.errorCode !== ErrorCode.NONE) throw brokerErrorFor(hs.errorCode, `SaslHandshake (${mechanism}) on ${conn.address} failed`);

  const first = await round(conn, firstToken);
  if (mechanism === 'OAUTHBEARER') {
    if (first.authBytes.length === 0) return outcome(first); // an empty answer means success
    // The server's error: answer 0x01 so it ends the exchange (OAuthBearerSaslClient.evaluateChallenge).
    const detail = describeServerError(first.authBytes);
    await round(conn, OAUTHBEARER_ERROR_ACK, detail);
    throw saslFailure(`the broker ${conn.address} refused the OAUTHBEARER token (${detail})`);
  }
  if (!scram) return outcome(first); // PLAIN: the broker's empty answer without error means success
  const final = await round(conn, scram.finalMessage(first.authBytes));
  scram.verifyServerFinal(final.authBytes);
  return outcome(final);
}

function outcome(res: SaslAuthenticateResponse): AuthOutcome {
  return { sessionLifetimeMs: res.sessionLifetimeMs > 0 ? res.sessionLifetimeMs : 0 };
}

/** One SaslAuthenticate round trip: our token out, the server's answer back. */
async function round(conn: SaslTransport, token: Buffer, serverDetail?: string): Promise<SaslAuthenticateResponse> {
  const res = await conn.request(SASL_AUTHENTICATE_API, (w, v) => encodeSaslAuthenticateRequest(w, v, { authBytes: token }), decodeSaslAuthenticateResponse);
  if (res.errorCode !== ErrorCode.NONE) {
    const message = res.errorMessage ?? `SaslAuthenticate on ${conn.address} failed`;
    throw brokerErrorFor(res.errorCode, serverDetail ? `${message} (${serverDetail})` : message);
  }
  return res;
}

/** The token, or a SaslAuthenticationError once `ms` have passed without one. */
function withTimeout<T>(p: Promise<T>, ms: number, clock: Clock, broker: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(() => reject(saslFailure(`no OAUTHBEARER token within ${ms} ms for ${broker}`)), ms);
    timer.unref?.();
    p.then(
      (v) => {
        clock.clearTimeout(timer);
        resolve(v);
      },
      (err) => {
        clock.clearTimeout(timer);
        reject(err);
      },
    );
  });
}
