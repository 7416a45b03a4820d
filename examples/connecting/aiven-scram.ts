/**
 * Aiven for Apache Kafka with SASL: SCRAM-SHA-256 over TLS, trusting the project's CA.
 * Quoted in docs/connecting.md (the part between the region markers, importing from 'kafka-wire').
 */
// In an application, import from 'kafka-wire' (as docs/connecting.md shows).
// #region docs/connecting.md
import { readFileSync } from 'node:fs';
import type { ProducerOptions } from '../../src';

export function aivenScram(env: { bootstrapServers: string; username: string; password: string; caFile: string }): ProducerOptions {
  return {
    // The service URI shown for SASL: the same host as for client certificates, another port.
    bootstrapServers: env.bootstrapServers,
    // The project's CA (ca.pem) is needed here too: Node does not know it.
    ssl: { ca: readFileSync(env.caFile) },
    sasl: { mechanism: 'SCRAM-SHA-256', username: env.username, password: env.password },
  };
}
// #endregion
