/**
 * Amazon MSK with mutual TLS: a client certificate issued by the AWS Private CA the cluster
 * trusts. Quoted in docs/connecting.md (the part between the region markers, importing from
 * 'kafka-wire').
 */
// In an application, import from 'kafka-wire' (as docs/connecting.md shows).
// #region docs/connecting.md
import { readFileSync } from 'node:fs';
import type { ProducerOptions } from '../../src';

export function mskMtls(env: { bootstrapServers: string; certFile: string; keyFile: string }): ProducerOptions {
  return {
    // The cluster's TLS bootstrap brokers: port 9094 (9194 with public access).
    bootstrapServers: env.bootstrapServers,
    // No ca: the brokers' certificates chain to Amazon's public CAs. cert may hold the
    // chain (the client certificate first), PEM.
    ssl: { cert: readFileSync(env.certFile), key: readFileSync(env.keyFile) },
  };
}
// #endregion
