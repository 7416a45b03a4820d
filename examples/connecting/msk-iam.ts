/**
 * Amazon MSK with IAM access control: SASL_SSL with OAUTHBEARER, the token signed by
 * aws-msk-iam-sasl-signer-js (which the application installs; kafka-wire does not depend on it).
 * Quoted in docs/connecting.md (the part between the region markers, importing from 'kafka-wire').
 */
/// <reference path="./vendor.d.ts" />
// In an application, import from 'kafka-wire' (as docs/connecting.md shows).
// #region docs/connecting.md
import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import type { ProducerOptions } from '../../src';

export function mskIam(env: { bootstrapServers: string; region: string }): ProducerOptions {
  return {
    // The cluster's IAM bootstrap brokers: port 9098 (9198 with public access).
    bootstrapServers: env.bootstrapServers,
    // MSK brokers' certificates chain to Amazon's public CAs, which Node trusts by default.
    ssl: true,
    sasl: {
      mechanism: 'OAUTHBEARER',
      // Signed with whatever credentials the AWS default provider chain finds
      // (environment, profile, container or instance role).
      oauthBearerProvider: async () => {
        const { token, expiryTime } = await generateAuthToken({ region: env.region });
        // expiryTime is milliseconds since the epoch, as lifetimeMs is. The token is not a
        // JWT: without lifetimeMs it would not be cached, and every connection would sign one.
        return { value: token, lifetimeMs: expiryTime };
      },
    },
  };
}
// #endregion
