/**
 * Redpanda (self-hosted or Redpanda Cloud): SASL_SSL with SCRAM-SHA-256 or SCRAM-SHA-512.
 * Quoted in docs/connecting.md (the part between the region markers, importing from 'kafka-wire').
 */
// In an application, import from 'kafka-wire' (as docs/connecting.md shows).
// #region docs/connecting.md
import { readFileSync } from 'node:fs';
import type { ProducerOptions } from '../../src';

export function redpanda(env: {
  bootstrapServers: string;
  username: string;
  password: string;
  /** The mechanism the user's SCRAM credentials were created with. */
  mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  /** The CA of the brokers' certificates, when it is a private one (PEM). */
  caFile?: string;
}): ProducerOptions {
  return {
    bootstrapServers: env.bootstrapServers,
    ssl: env.caFile ? { ca: readFileSync(env.caFile) } : true,
    sasl: { mechanism: env.mechanism, username: env.username, password: env.password },
  };
}
// #endregion
