/**
 * What the transactional codecs refuse, beyond the layouts that message-schemas.test.ts and
 * the golden vectors check: requests their version cannot carry, and the brokers' batched
 * AddPartitionsToTxn versions.
 */
import { ADD_PARTITIONS_TO_TXN_API, FIND_COORDINATOR_API } from '../../../src/protocol/api-keys';
import { decodeAddPartitionsToTxnResponse, encodeAddPartitionsToTxnRequest } from '../../../src/protocol/messages/add-partitions-to-txn';
import { CoordinatorKeyType, encodeFindCoordinatorRequest } from '../../../src/protocol/messages/find-coordinator';
import { Reader } from '../../../src/protocol/reader';
import { Writer } from '../../../src/protocol/writer';

describe('FindCoordinator request', () => {
  test.each([0, 1, 2, 3])('v%i takes exactly one key', (v) => {
    const keyType = v === 0 ? CoordinatorKeyType.GROUP : CoordinatorKeyType.TRANSACTION;
    expect(() => encodeFindCoordinatorRequest(new Writer(), v, { keyType, keys: [] })).toThrow(RangeError);
    expect(() => encodeFindCoordinatorRequest(new Writer(), v, { keyType, keys: ['a', 'b'] })).toThrow(RangeError);
    expect(() => encodeFindCoordinatorRequest(new Writer(), v, { keyType, keys: ['a'] })).not.toThrow();
  });

  test('v0 finds group coordinators only', () => {
    expect(() => encodeFindCoordinatorRequest(new Writer(), 0, { keyType: CoordinatorKeyType.TRANSACTION, keys: ['t'] })).toThrow(RangeError);
  });

  test.each([4, FIND_COORDINATOR_API.maxVersion])('v%i takes any number of keys', (v) => {
    for (const keys of [[], ['a'], ['a', 'b', 'c']]) {
      expect(() => encodeFindCoordinatorRequest(new Writer(), v, { keyType: CoordinatorKeyType.TRANSACTION, keys })).not.toThrow();
    }
  });
});

describe('AddPartitionsToTxn', () => {
  const req = { transactionalId: 't', producerId: 1, producerEpoch: 0, topics: [{ name: 'x', partitions: [0] }] };

  test('the client versions end where api-keys.ts says', () => {
    expect(ADD_PARTITIONS_TO_TXN_API.maxVersion).toBe(3);
    expect(() => encodeAddPartitionsToTxnRequest(new Writer(), 3, req)).not.toThrow();
  });

  test.each([4, 5])('v%i (the brokers\' batched form) is refused both ways', (v) => {
    expect(() => encodeAddPartitionsToTxnRequest(new Writer(), v, req)).toThrow(RangeError);
    expect(() => decodeAddPartitionsToTxnResponse(new Reader(Buffer.alloc(16)), v)).toThrow(RangeError);
  });
});
