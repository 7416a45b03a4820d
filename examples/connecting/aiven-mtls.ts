/**
 * Aiven for Apache Kafka with client certificates (mutual TLS): the three files the service's
 * connection page offers. Quoted in docs/connecting.md (the part between the region markers,
 * importing from 'kafka-wire').
 */
// In an application, import from 'kafka-wire' (as docs/connecting.md shows).
// #region docs/connecting.md
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProducerOptions } from '../../src';

/** certDir: where ca.pem, service.cert and service.key were saved. */
export function aivenMtls(env: { bootstrapServers: string; certDir: string }): ProducerOptions {
  const file = (name: string) => readFileSync(join(env.certDir, name));
  return {
    // The service URI shown for client certificate authentication: host:port.
    bootstrapServers: env.bootstrapServers,
    // ca.pem is the project's CA: it signed the brokers' certificates (and the client's).
    ssl: { ca: file('ca.pem'), cert: file('service.cert'), key: file('service.key') },
  };
}
// #endregion
