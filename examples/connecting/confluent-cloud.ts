/**
 * Confluent Cloud: SASL_SSL with PLAIN, an API key and secret as username and password.
 * Quoted in docs/connecting.md (the part between the region markers, importing from 'kafka-wire').
 */
// In an application, import from 'kafka-wire' (as docs/connecting.md shows).
// #region docs/connecting.md
import type { ProducerOptions } from '../../src';

export function confluentCloud(env: { bootstrapServers: string; apiKey: string; apiSecret: string }): ProducerOptions {
  return {
    // The cluster's bootstrap server, from its settings: pkc-....confluent.cloud:9092
    bootstrapServers: env.bootstrapServers,
    // TLS with Node's built-in CA list: the brokers' certificates come from a public CA.
    ssl: true,
    // An API key created for this Kafka cluster, with its secret.
    sasl: { mechanism: 'PLAIN', username: env.apiKey, password: env.apiSecret },
  };
}
// #endregion
