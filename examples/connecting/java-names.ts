/**
 * The Confluent Cloud recipe with the security settings under their Java property names, as
 * Confluent Cloud's Java client configuration gives them. Quoted in docs/connecting.md (the
 * part between the region markers, importing from 'kafka-wire').
 */
// In an application, import from 'kafka-wire' (as docs/connecting.md shows).
// #region docs/connecting.md
import type { ProducerOptions } from '../../src';

export function confluentCloudJavaNames(env: { bootstrapServers: string; apiKey: string; apiSecret: string }): ProducerOptions {
  return {
    'bootstrap.servers': env.bootstrapServers,
    'security.protocol': 'SASL_SSL',
    'sasl.mechanism': 'PLAIN',
    'sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required username='${env.apiKey}' password='${env.apiSecret}';`,
  };
}
// #endregion
