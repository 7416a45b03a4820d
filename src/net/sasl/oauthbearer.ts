/**
 * SASL OAUTHBEARER (RFC 7628, KIP-255), the client side, as Java's OAuthBearerSaslClient:
 *
 * - The client's first message carries the token and the SASL extensions (KIP-342):
 *   "n,," SEP "auth=Bearer " token [SEP key=value ...] SEP SEP, with SEP = 0x01
 *   (OAuthBearerClientInitialResponse.toBytes).
 * - An empty answer means success. A non-empty answer is the server's JSON error: the client
 *   answers with a single 0x01, and the server then fails the exchange with
 *   SASL_AUTHENTICATION_FAILED (RFC 7628 section 3.2.3). The JSON's status is kept in the
 *   error's message.
 *
 * Where the token comes from (a user's provider, or the built-in OIDC client) and when it is
 * refreshed is OAuthBearerTokenSource's business (./token-source.ts), not this file's.
 */
import { saslFailure } from './failure';

/** A bearer token, as a provider returns it (Java: OAuthBearerToken). */
export interface OAuthBearerToken {
  /** The token itself, as sent to the broker (usually a compact JWT). */
  value: string;
  /**
   * When the token expires, in milliseconds since the epoch, as Java's OAuthBearerToken.lifetimeMs().
   * Optional: when absent it is read from the token's `exp` claim if the token is a JWT. A token
   * with neither is not cached: the provider is asked again for every new authentication.
   */
  lifetimeMs?: number;
  /** The principal name, for logs only (the broker takes the principal from the token). */
  principal?: string;
  /** SASL extensions sent with the token (KIP-342): keys [A-Za-z]+, values printable ASCII. */
  extensions?: Readonly<Record<string, string>>;
}

/**
 * Called for a token when none is cached or the cached one is due for refresh. `signal` is
 * aborted when the producer closes: a provider doing I/O may stop it then.
 */
export type OAuthBearerProvider = (context?: { signal: AbortSignal }) => OAuthBearerToken | Promise<OAuthBearerToken>;

const SEP = '\u0001';
const EXTENSION_KEY = /^[A-Za-z]+$/;
const EXTENSION_VALUE = /^[\x21-\x7E \t\r\n]+$/;

/** The client's first (and only) message: RFC 7628's initial client response. */
export function oauthBearerInitialResponse(tokenValue: string, extensions?: Readonly<Record<string, string>>): Buffer {
  if (typeof tokenValue !== 'string' || tokenValue.length === 0) throw saslFailure('the OAUTHBEARER token is empty');
  // RFC 6750 b64token: a token with spaces or control characters would break the message's framing.
  if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(tokenValue)) throw saslFailure('the OAUTHBEARER token contains characters a bearer token cannot have');
  let ext = '';
  if (extensions) {
    for (const [key, value] of Object.entries(extensions)) {
      if (key === 'auth') throw saslFailure('the SASL extension name "auth" is reserved');
      if (!EXTENSION_KEY.test(key)) throw saslFailure(`SASL extension name ${JSON.stringify(key)} must be letters only`);
      if (typeof value !== 'string' || !EXTENSION_VALUE.test(value)) throw saslFailure(`SASL extension ${key} has a value that is not printable ASCII`);
      ext += `${SEP}${key}=${value}`;
    }
  }
  return Buffer.from(`n,,${SEP}auth=Bearer ${tokenValue}${ext}${SEP}${SEP}`, 'utf8');
}

/** The answer a client gives to the server's error message (a single 0x01). */
export const OAUTHBEARER_ERROR_ACK = Buffer.from([0x01]);

/** The server's error message (JSON, RFC 7628 section 3.2.2), for an error's text. */
export function describeServerError(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  try {
    const parsed = JSON.parse(text) as { status?: unknown; scope?: unknown };
    if (parsed && typeof parsed.status === 'string') {
      return typeof parsed.scope === 'string' ? `status ${parsed.status}, scope ${parsed.scope}` : `status ${parsed.status}`;
    }
  } catch {
    // not JSON: report it as it is
  }
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

/**
 * The `exp` claim of a JWT, in milliseconds since the epoch; null when the token is not a JWT
 * or has no numeric exp. The signature is not checked: the broker does that.
 */
export function jwtExpiryMs(token: string): number | null {
  const claims = jwtClaims(token);
  const exp = claims?.exp;
  return typeof exp === 'number' && Number.isFinite(exp) ? Math.round(exp * 1000) : null;
}

/** The claims of a compact JWS (header.payload.signature), or null when it is not one. */
export function jwtClaims(token: string): Record<string, unknown> | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return claims !== null && typeof claims === 'object' && !Array.isArray(claims) ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
