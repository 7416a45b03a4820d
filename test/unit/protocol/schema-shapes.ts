/**
 * Where our message shapes differ from Kafka's schemas (and so from the Java client's JSON of
 * the golden vectors), the mapping between the two, for the tests that check our codecs
 * against those: message-schemas.test.ts and test/golden/messages.test.ts.
 *
 * - `request`: a schema-shaped request (field names as in the schema, camelCase; only the
 *   fields of version `v`) to the request our encoder takes.
 * - `response`: what our decoder returned to the schema's shape at version `v`.
 *
 * An API not listed here uses the schema's shape as is. The mappings are strict: an object
 * with a key they do not expect is an error, so a field added to our shape cannot hide.
 */
import {
  ADD_PARTITIONS_TO_TXN_API,
  FIND_COORDINATOR_API,
} from '../../../src/protocol/api-keys';
import type { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse } from '../../../src/protocol/messages/add-partitions-to-txn';
import type { FindCoordinatorRequest, FindCoordinatorResponse } from '../../../src/protocol/messages/find-coordinator';

type Obj = Record<string, any>;

export interface Shape {
  request?: (schemaShaped: Obj, v: number) => unknown;
  response?: (ours: any, v: number) => Obj;
}

/** `obj` itself, after checking that its keys are exactly `keys`. */
function exactly<T extends object>(obj: T, keys: string[], at: string): T {
  const have = Object.keys(obj).sort();
  const want = [...keys].sort();
  if (have.join() !== want.join()) throw new Error(`${at}: keys ${JSON.stringify(have)}, expected ${JSON.stringify(want)}`);
  return obj;
}

const findCoordinator: Shape = {
  // v0: Key; v1-v3: Key, KeyType; v4+: KeyType, CoordinatorKeys.
  request: (x, v): FindCoordinatorRequest => ({
    keyType: v >= 1 ? x.keyType : 0,
    keys: v >= 4 ? x.coordinatorKeys : [x.key],
  }),
  // Ours is always the batched form; up to v3 its one coordinator holds the top-level fields.
  response: (ours: FindCoordinatorResponse, v) => {
    exactly(ours, ['throttleTimeMs', 'coordinators'], 'FindCoordinatorResponse');
    for (const c of ours.coordinators) {
      exactly(c, ['key', 'nodeId', 'host', 'port', 'errorCode', 'errorMessage'], 'FindCoordinatorResponse.coordinators[]');
    }
    if (v >= 4) return ours;
    if (ours.coordinators.length !== 1) throw new Error(`FindCoordinator v${v}: ${ours.coordinators.length} coordinators, expected 1`);
    const [c] = ours.coordinators;
    if (c.key !== '') throw new Error(`FindCoordinator v${v}: key ${JSON.stringify(c.key)}, expected ''`);
    const out: Obj = { errorCode: c.errorCode, nodeId: c.nodeId, host: c.host, port: c.port };
    // v0 has neither; ours holds 0 and null there (the schema's defaults are 0 and '').
    if (v >= 1) {
      out.throttleTimeMs = ours.throttleTimeMs;
      out.errorMessage = c.errorMessage;
    } else if (ours.throttleTimeMs !== 0 || c.errorMessage !== null) {
      throw new Error(`FindCoordinator v0: throttleTimeMs ${ours.throttleTimeMs}, errorMessage ${JSON.stringify(c.errorMessage)}; expected 0 and null`);
    }
    return out;
  },
};

const addPartitionsToTxn: Shape = {
  // v0-v3 fields are the V3AndBelow* ones; the topic struct has our names already.
  request: (x): AddPartitionsToTxnRequest => ({
    transactionalId: x.v3AndBelowTransactionalId,
    producerId: x.v3AndBelowProducerId,
    producerEpoch: x.v3AndBelowProducerEpoch,
    topics: x.v3AndBelowTopics,
  }),
  response: (ours: AddPartitionsToTxnResponse) => ({
    throttleTimeMs: exactly(ours, ['throttleTimeMs', 'results'], 'AddPartitionsToTxnResponse').throttleTimeMs,
    resultsByTopicV3AndBelow: ours.results.map((t) => ({
      name: exactly(t, ['name', 'partitions'], 'AddPartitionsToTxnResponse.results[]').name,
      resultsByPartition: t.partitions.map((p) => ({
        partitionIndex: exactly(p, ['partitionIndex', 'errorCode'], 'AddPartitionsToTxnResponse.results[].partitions[]').partitionIndex,
        partitionErrorCode: p.errorCode,
      })),
    })),
  }),
};

const SHAPES = new Map<number, Shape>([
  [FIND_COORDINATOR_API.apiKey, findCoordinator],
  [ADD_PARTITIONS_TO_TXN_API.apiKey, addPartitionsToTxn],
]);

/** The request our encoder takes, from a schema-shaped one. */
export function toOurRequest(apiKey: number, schemaShaped: Obj, v: number): unknown {
  const f = SHAPES.get(apiKey)?.request;
  return f ? f(schemaShaped, v) : schemaShaped;
}

/** What our decoder returned, in the schema's shape. */
export function toSchemaResponse(apiKey: number, ours: unknown, v: number): unknown {
  const f = SHAPES.get(apiKey)?.response;
  return f ? f(ours, v) : ours;
}
