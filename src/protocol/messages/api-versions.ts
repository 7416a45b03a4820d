/**
 * ApiVersions (key 18), v0-v4; flexible from v3.
 *
 * v1 adds ThrottleTimeMs to the response; v3 adds the client software name and version to the
 * request and tagged feature fields to the response. The response header is always v0.
 * If the broker does not speak our version it answers UNSUPPORTED_VERSION at v0 layout with
 * its own ApiKeys range for ApiVersions, and the client retries at that version.
 */
import type { Reader } from '../reader';
import type { Writer } from '../writer';

export interface ApiVersionsRequest {
  clientSoftwareName: string;
  clientSoftwareVersion: string;
}

export interface ApiVersionsResponseKey {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

export interface SupportedFeatureKey {
  name: string;
  minVersion: number;
  maxVersion: number;
}

export interface FinalizedFeatureKey {
  name: string;
  maxVersionLevel: number;
  minVersionLevel: number;
}

export interface ApiVersionsResponse {
  errorCode: number;
  apiKeys: ApiVersionsResponseKey[];
  throttleTimeMs: number;
  supportedFeatures: SupportedFeatureKey[];
  finalizedFeaturesEpoch: number;
  finalizedFeatures: FinalizedFeatureKey[];
  zkMigrationReady: boolean;
}

export function encodeApiVersionsRequest(w: Writer, version: number, req: ApiVersionsRequest): void {
  if (version >= 3) {
    w.writeCompactString(req.clientSoftwareName);
    w.writeCompactString(req.clientSoftwareVersion);
    w.writeEmptyTaggedFields();
  }
}

export function decodeApiVersionsResponse(r: Reader, version: number): ApiVersionsResponse {
  const flexible = version >= 3;
  const res: ApiVersionsResponse = {
    errorCode: r.readInt16('errorCode'),
    apiKeys: [],
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: -1,
    finalizedFeatures: [],
    zkMigrationReady: false,
  };
  const n = flexible ? r.readCompactArrayLength('apiKeys', 7) : r.readArrayLength('apiKeys', 6);
  for (let i = 0; i < n; i++) {
    res.apiKeys.push({
      apiKey: r.readInt16('apiKeys.apiKey'),
      minVersion: r.readInt16('apiKeys.minVersion'),
      maxVersion: r.readInt16('apiKeys.maxVersion'),
    });
    if (flexible) r.readTaggedFields('apiKeys.taggedFields');
  }
  if (version >= 1) res.throttleTimeMs = r.readInt32('throttleTimeMs');
  if (flexible) {
    r.readTaggedFields('taggedFields', (tag, t) => {
      if (tag === 0) {
        const count = t.readCompactArrayLength('supportedFeatures', 6);
        for (let i = 0; i < count; i++) {
          res.supportedFeatures.push({
            name: t.readCompactString('supportedFeatures.name'),
            minVersion: t.readInt16('supportedFeatures.minVersion'),
            maxVersion: t.readInt16('supportedFeatures.maxVersion'),
          });
          t.readTaggedFields('supportedFeatures.taggedFields');
        }
      } else if (tag === 1) {
        res.finalizedFeaturesEpoch = t.readInt64('finalizedFeaturesEpoch');
      } else if (tag === 2) {
        const count = t.readCompactArrayLength('finalizedFeatures', 6);
        for (let i = 0; i < count; i++) {
          res.finalizedFeatures.push({
            name: t.readCompactString('finalizedFeatures.name'),
            maxVersionLevel: t.readInt16('finalizedFeatures.maxVersionLevel'),
            minVersionLevel: t.readInt16('finalizedFeatures.minVersionLevel'),
          });
          t.readTaggedFields('finalizedFeatures.taggedFields');
        }
      } else if (tag === 3) {
        res.zkMigrationReady = t.readBoolean('zkMigrationReady');
      }
    });
  }
  return res;
}
