/**
 * SASL PLAIN (RFC 4616): one message, [authzid] NUL authcid NUL passwd, in UTF-8.
 *
 * The authorization identity is left empty, so the broker uses the username for it (Kafka
 * refuses an authzid that differs from the username anyway). PLAIN sends the password as it
 * is: use it over TLS (SASL_SSL) outside tests.
 */
import { saslFailure } from './failure';

export function plainMessage(username: string, password: string): Buffer {
  if (username.length === 0) throw saslFailure('the PLAIN username is empty');
  if (username.includes('\u0000') || password.includes('\u0000')) {
    throw saslFailure('a PLAIN username or password cannot contain the NUL character');
  }
  return Buffer.from(`\u0000${username}\u0000${password}`, 'utf8');
}
