/**
 * Amazon MSK with SASL/SCRAM: SCRAM-SHA-512 over TLS, the user and password kept in AWS
 * Secrets Manager. Quoted in docs/connecting.md (the part between the region markers,
 * importing from 'kafka-wire').
 */
// In an application, import from 'kafka-wire' (as docs/connecting.md shows).
// #region docs/connecting.md
import type { ProducerOptions } from '../../src';

export function mskScram(env: { bootstrapServers: string; username: string; password: string }): ProducerOptions {
  return {
    // The cluster's SASL/SCRAM bootstrap brokers: port 9096 (9196 with public access).
    bootstrapServers: env.bootstrapServers,
    ssl: true,
    // MSK offers SCRAM-SHA-512 only.
    sasl: { mechanism: 'SCRAM-SHA-512', username: env.username, password: env.password },
  };
}
// #endregion
