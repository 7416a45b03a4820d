/**
 * The APIs this client speaks, the version range it speaks of each, and version choice.
 */
import { NoCommonVersionError } from './errors';

export interface ApiSpec {
  readonly apiKey: number;
  readonly name: string;
  /** Lowest version we speak. */
  readonly minVersion: number;
  /** Highest version we speak (pinned to what the golden vectors cover). */
  readonly maxVersion: number;
  /** First flexible (KIP-482) version; Infinity when none is. */
  readonly flexibleFromVersion: number;
}

export const PRODUCE_API: ApiSpec = { apiKey: 0, name: 'Produce', minVersion: 3, maxVersion: 13, flexibleFromVersion: 9 };
export const METADATA_API: ApiSpec = { apiKey: 3, name: 'Metadata', minVersion: 1, maxVersion: 13, flexibleFromVersion: 9 };
export const SASL_HANDSHAKE_API: ApiSpec = { apiKey: 17, name: 'SaslHandshake', minVersion: 0, maxVersion: 1, flexibleFromVersion: Infinity };
export const API_VERSIONS_API: ApiSpec = { apiKey: 18, name: 'ApiVersions', minVersion: 0, maxVersion: 4, flexibleFromVersion: 3 };
export const INIT_PRODUCER_ID_API: ApiSpec = { apiKey: 22, name: 'InitProducerId', minVersion: 0, maxVersion: 5, flexibleFromVersion: 2 };
export const SASL_AUTHENTICATE_API: ApiSpec = { apiKey: 36, name: 'SaslAuthenticate', minVersion: 0, maxVersion: 2, flexibleFromVersion: 2 };

// Transactions. A broker need not offer these: a version is chosen only when one is sent.
export const FIND_COORDINATOR_API: ApiSpec = { apiKey: 10, name: 'FindCoordinator', minVersion: 0, maxVersion: 6, flexibleFromVersion: 3 };
/** v4+ is the brokers' batched form; clients stop at v3. */
export const ADD_PARTITIONS_TO_TXN_API: ApiSpec = { apiKey: 24, name: 'AddPartitionsToTxn', minVersion: 0, maxVersion: 3, flexibleFromVersion: 3 };
export const ADD_OFFSETS_TO_TXN_API: ApiSpec = { apiKey: 25, name: 'AddOffsetsToTxn', minVersion: 0, maxVersion: 4, flexibleFromVersion: 3 };
export const END_TXN_API: ApiSpec = { apiKey: 26, name: 'EndTxn', minVersion: 0, maxVersion: 5, flexibleFromVersion: 3 };
export const TXN_OFFSET_COMMIT_API: ApiSpec = { apiKey: 28, name: 'TxnOffsetCommit', minVersion: 0, maxVersion: 5, flexibleFromVersion: 3 };

/**
 * Every API we speak. Nothing requires a broker to offer all of them: each version is chosen
 * (chooseVersion) when a request of that API is about to be sent.
 */
export const APIS: readonly ApiSpec[] = [
  PRODUCE_API,
  METADATA_API,
  SASL_HANDSHAKE_API,
  API_VERSIONS_API,
  INIT_PRODUCER_ID_API,
  SASL_AUTHENTICATE_API,
  FIND_COORDINATOR_API,
  ADD_PARTITIONS_TO_TXN_API,
  ADD_OFFSETS_TO_TXN_API,
  END_TXN_API,
  TXN_OFFSET_COMMIT_API,
];

export function isFlexible(api: ApiSpec, version: number): boolean {
  return version >= api.flexibleFromVersion;
}

export function requestHeaderVersion(api: ApiSpec, version: number): 1 | 2 {
  return isFlexible(api, version) ? 2 : 1;
}

export function responseHeaderVersion(api: ApiSpec, version: number): 0 | 1 {
  // ApiVersions answers with header v0 at every version, so that a client can parse the
  // reply before it knows which versions the broker speaks.
  if (api.apiKey === API_VERSIONS_API.apiKey) return 0;
  return isFlexible(api, version) ? 1 : 0;
}

/** A broker's advertised range for one API. */
export interface VersionRange {
  minVersion: number;
  maxVersion: number;
}

/** Highest version both sides speak; throws NoCommonVersionError when the ranges do not meet. */
export function chooseVersion(api: ApiSpec, broker: VersionRange | undefined): number {
  if (broker) {
    const v = Math.min(api.maxVersion, broker.maxVersion);
    if (v >= api.minVersion && v >= broker.minVersion) return v;
  }
  const brokerRange = broker ? { min: broker.minVersion, max: broker.maxVersion } : null;
  const ours = { min: api.minVersion, max: api.maxVersion };
  const theirs = brokerRange ? `speaks ${brokerRange.min}-${brokerRange.max}` : 'does not offer it';
  throw new NoCommonVersionError(api.apiKey, ours, brokerRange, {
    message: `No common version of ${api.name} (key ${api.apiKey}): this client speaks ${ours.min}-${ours.max}, the broker ${theirs}.`,
  });
}
