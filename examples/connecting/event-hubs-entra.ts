/**
 * Azure Event Hubs with Microsoft Entra ID: SASL_SSL with OAUTHBEARER, the token from
 * @azure/identity (which the application installs; kafka-wire does not depend on it).
 * Quoted in docs/connecting.md (the part between the region markers, importing from 'kafka-wire').
 */
/// <reference path="./vendor.d.ts" />
// In an application, import from 'kafka-wire' (as docs/connecting.md shows).
// #region docs/connecting.md
import { DefaultAzureCredential } from '@azure/identity';
import type { ProducerOptions } from '../../src';

/** host: the namespace's host name, <namespace>.servicebus.windows.net. */
export function eventHubsEntra(env: { host: string }): ProducerOptions {
  const credential = new DefaultAzureCredential();
  return {
    bootstrapServers: `${env.host}:9093`,
    ssl: true,
    sasl: {
      mechanism: 'OAUTHBEARER',
      oauthBearerProvider: async () => {
        const accessToken = await credential.getToken(`https://${env.host}/.default`);
        if (!accessToken) throw new Error(`no Microsoft Entra ID token for ${env.host}`);
        // expiresOnTimestamp is milliseconds since the epoch, as lifetimeMs is.
        return { value: accessToken.token, lifetimeMs: accessToken.expiresOnTimestamp };
      },
    },
    // The same client limits as with a connection string:
    requestTimeoutMs: 60_000,
    maxRequestSize: 1_000_000,
    metadataMaxAgeMs: 180_000,
    connectionsMaxIdleMs: 180_000,
  };
}
// #endregion
