/**
 * SASL on a new connection (KIP-43, KIP-152): after ApiVersions, SaslHandshake v1 names the
 * mechanism, then SaslAuthenticate requests carry the mechanism's tokens until it is done.
 * Only then may other requests use the connection.
 *
 * - PLAIN: one round trip (./plain.ts).
 * - SCRAM-SHA-256 / SCRAM-SHA-512: two round trips (./scram.ts); the server's signature in
 *   the last answer is checked, so a server that does not know the credential is refused.
 * - Any failure closes the connection and rejects with a non-retriable error:
 *   UnsupportedSaslMechanismError (listing what the broker offers), IllegalSaslStateError,
 *   or SaslAuthenticationError (the broker's message, or what this client found wrong).
 *
 * Re-authentication (KIP-368, connections.max.reauth.ms on the broker) is not done: a broker
 * that sets it closes the connection when the session ends, and the pool opens a new one.
 */
import { SASL_AUTHENTICATE_API, SASL_HANDSHAKE_API } from '../../protocol/api-keys';
import { brokerErrorFor, ErrorCode, UnsupportedSaslMechanismError } from '../../protocol/errors';
import { decodeSaslAuthenticateResponse, encodeSaslAuthenticateRequest } from '../../protocol/messages/sasl-authenticate';
import { decodeSaslHandshakeResponse, encodeSaslHandshakeRequest } from '../../protocol/messages/sasl-handshake';
import type { Connection } from '../connection';
import { saslFailure } from './failure';
import { plainMessage } from './plain';
import { SCRAM_DIGESTS, ScramClient } from './scram';

export { authenticationFailureOf, saslFailure, tlsFailureCode } from './failure';
export { plainMessage } from './plain';
export { escapeUsername, parseServerFirst, ScramClient, SCRAM_DIGESTS } from './scram';

export type SaslMechanismName = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

export interface SaslCredentials {
  mechanism: SaslMechanismName;
  username: string;
  password: string;
}

export interface SaslExchangeOptions {
  /** Fixed SCRAM client nonce (tests only). */
  nonce?: string;
}

/** What the exchange needs of a connection (a Connection, or a fake in unit tests). */
export type SaslTransport = Pick<Connection, 'address' | 'versionFor' | 'request'>;

/**
 * Authenticates a connection that has just negotiated versions. While this runs the
 * connection is withheld from other users (Connection.authenticate); on failure it is closed.
 */
export function authenticate(conn: Connection, sasl: SaslCredentials, opts: SaslExchangeOptions = {}): Promise<void> {
  return conn.authenticate(() => saslExchange(conn, sasl, opts));
}

/** The SASL requests themselves, on a transport that is ready for them. */
export async function saslExchange(conn: SaslTransport, sasl: SaslCredentials, opts: SaslExchangeOptions = {}): Promise<void> {
  const { mechanism } = sasl;
  if (mechanism !== 'PLAIN' && !(mechanism in SCRAM_DIGESTS)) {
    throw saslFailure(`mechanism ${JSON.stringify(mechanism)} is not supported by kafka-wire (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)`);
  }
  // Build the first token before any I/O: bad credentials fail here, without a round trip.
  const scram =
    mechanism === 'PLAIN' ? null : new ScramClient({ digest: SCRAM_DIGESTS[mechanism], username: sasl.username, password: sasl.password, nonce: opts.nonce });
  const firstToken = scram ? scram.firstMessage() : plainMessage(sasl.username, sasl.password);

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

  const serverFirst = await round(conn, firstToken);
  if (!scram) return; // PLAIN: the broker's empty answer without error means success
  const serverFinal = await round(conn, scram.finalMessage(serverFirst));
  scram.verifyServerFinal(serverFinal);
}

/** One SaslAuthenticate round trip: our token out, the server's token back. */
async function round(conn: SaslTransport, token: Buffer): Promise<Buffer> {
  const res = await conn.request(SASL_AUTHENTICATE_API, (w, v) => encodeSaslAuthenticateRequest(w, v, { authBytes: token }), decodeSaslAuthenticateResponse);
  if (res.errorCode !== ErrorCode.NONE) throw brokerErrorFor(res.errorCode, res.errorMessage ?? `SaslAuthenticate on ${conn.address} failed`);
  return res.authBytes;
}
