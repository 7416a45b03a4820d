/**
 * Strimzi with Keycloak: SASL_SSL with OAUTHBEARER, the token from Keycloak's token endpoint
 * with the client-credentials grant (kafka-wire's built-in `oidc` client), TLS trusting the
 * cluster CA. Quoted in docs/connecting.md (the part between the region markers, importing
 * from 'kafka-wire').
 */
// In an application, import from 'kafka-wire' (as docs/connecting.md shows).
// #region docs/connecting.md
import { readFileSync } from 'node:fs';
import type { ProducerOptions } from '../../src';

export function strimziKeycloak(env: {
  /** The bootstrap service of the listener with `authentication: type: oauth`. */
  bootstrapServers: string;
  /** Keycloak's base URL, e.g. https://keycloak.example.com */
  keycloakUrl: string;
  realm: string;
  /** A confidential client with service accounts enabled (the client-credentials grant). */
  clientId: string;
  clientSecret: string;
  /** ca.crt from the secret <cluster>-cluster-ca-cert. */
  clusterCaFile: string;
}): ProducerOptions {
  return {
    bootstrapServers: env.bootstrapServers,
    ssl: { ca: readFileSync(env.clusterCaFile) },
    sasl: {
      mechanism: 'OAUTHBEARER',
      oidc: {
        tokenEndpointUrl: `${env.keycloakUrl}/realms/${env.realm}/protocol/openid-connect/token`,
        clientId: env.clientId,
        clientSecret: env.clientSecret,
      },
    },
  };
}
// #endregion
