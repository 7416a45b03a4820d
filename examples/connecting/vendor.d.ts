/**
 * Type stubs for the third-party packages the recipes in this folder use, so that the project
 * type-checks them without installing the packages. kafka-wire depends on neither: an
 * application that follows such a recipe installs the package itself and gets its real types
 * (these declarations are not part of the published package).
 *
 * Only what the recipes call is declared, with the shapes the packages document. Should one
 * of these packages ever be installed in this repository, delete its stub: an ambient
 * declaration takes precedence over the package's own types.
 */

declare module 'aws-msk-iam-sasl-signer-js' {
  export interface GenerateAuthTokenOptions {
    /** The AWS region of the MSK cluster (the token is signed for it). */
    region: string;
  }
  export interface GenerateAuthTokenResponse {
    /** The signed token (base64url, not a JWT). */
    token: string;
    /** When the token expires, in milliseconds since the epoch. */
    expiryTime: number;
  }
  /** Signs a token with the credentials the AWS default credential provider chain finds. */
  export function generateAuthToken(options: GenerateAuthTokenOptions): Promise<GenerateAuthTokenResponse>;
}

declare module '@azure/identity' {
  /** @azure/core-auth's AccessToken. */
  export interface AccessToken {
    token: string;
    /** When the token expires, in milliseconds since the epoch. */
    expiresOnTimestamp: number;
  }
  /** Tries the usual credential sources in turn (environment, workload identity, managed identity, Azure CLI, ...). */
  export class DefaultAzureCredential {
    constructor();
    /** Older versions declare `AccessToken | null`; the recipe handles both. */
    getToken(scopes: string | string[]): Promise<AccessToken | null>;
  }
}
