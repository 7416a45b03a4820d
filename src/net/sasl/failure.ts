/**
 * Authentication failures: the errors SASL raises, and the test that tells a failed
 * authentication (SASL or TLS) from an ordinary connection failure.
 *
 * The Java client treats both as AuthenticationException (SaslAuthenticationException,
 * SslAuthenticationException): not retriable, and reported to the caller instead of being
 * retried with reconnect backoff until a timeout hides the cause.
 */
import { IllegalSaslStateError, KafkaError, SaslAuthenticationError, UnsupportedSaslMechanismError } from '../../protocol/errors';

/** A SaslAuthenticationError for a failure this client detected (not the broker's message). */
export function saslFailure(text: string): SaslAuthenticationError {
  const err = new SaslAuthenticationError(null);
  err.message = `SASL authentication failed: ${text}`;
  Error.captureStackTrace?.(err, saslFailure);
  return err;
}

/**
 * OpenSSL certificate verification results and Node's host name check, as `err.code`: the
 * peer's certificate was not accepted. (ERR_SSL_* codes are handshake failures: alerts, a
 * protocol mismatch, a plaintext port.)
 */
const TLS_VERIFY_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_CRL',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The TLS failure code in `err` or its causes, if it is a certificate or handshake failure. */
export function tlsFailureCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = codeOf(e);
    if (code && (TLS_VERIFY_CODES.has(code) || code.startsWith('ERR_SSL_'))) return code;
  }
  return undefined;
}

/**
 * When a connect failure is an authentication failure, the error to report to the records
 * (not retriable); otherwise null (an ordinary connection failure: back off and retry).
 */
export function authenticationFailureOf(err: unknown): KafkaError | null {
  if (err instanceof SaslAuthenticationError || err instanceof UnsupportedSaslMechanismError || err instanceof IllegalSaslStateError) return err;
  const code = tlsFailureCode(err);
  if (code === undefined) return null;
  const broker = (err as { broker?: unknown }).broker;
  const where = typeof broker === 'string' ? ` with ${broker}` : '';
  let detail = (err as Error)?.message ?? String(err);
  for (let e = (err as { cause?: unknown })?.cause; e; e = (e as { cause?: unknown }).cause) if (codeOf(e) === code) detail = (e as Error).message;
  return new KafkaError(`TLS handshake${where} failed (${code}): ${detail}`, { code: 'ERR_KAFKA_SSL_AUTHENTICATION', retriable: false, cause: err });
}
