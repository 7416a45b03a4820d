/**
 * Azure Event Hubs (its Kafka endpoint) with a connection string: SASL_SSL with PLAIN, the
 * user name the literal "$ConnectionString". Quoted in docs/connecting.md (the part between
 * the region markers, importing from 'kafka-wire').
 */
// In an application, import from 'kafka-wire' (as docs/connecting.md shows).
// #region docs/connecting.md
import type { ProducerOptions } from '../../src';

/** host: the namespace's host name, <namespace>.servicebus.windows.net. */
export function eventHubs(env: { host: string; connectionString: string }): ProducerOptions {
  return {
    bootstrapServers: `${env.host}:9093`,
    ssl: true,
    // The user name is this literal text; the password is the whole connection string
    // (Endpoint=sb://...;SharedAccessKeyName=...;SharedAccessKey=...).
    sasl: { mechanism: 'PLAIN', username: '$ConnectionString', password: env.connectionString },
    // The limits Microsoft documents for Kafka clients of Event Hubs:
    requestTimeoutMs: 60_000, // above 20 s; 60 s recommended
    maxRequestSize: 1_000_000, // must stay below 1,046,528 bytes
    metadataMaxAgeMs: 180_000, // idle connections are closed after 240 s
    connectionsMaxIdleMs: 180_000,
  };
}
// #endregion
