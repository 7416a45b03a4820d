// The one classification of Produce and Metadata errors (error-actions.ts), checked against
// the Java client's behaviour it stands for (Sender.completeBatch/canRetry,
// TransactionManager.canRetry/maybeTransitionToErrorState, KafkaProducer.waitOnMetadata).
import {
  CHECK_SEQUENCE,
  DUPLICATE_IS_SUCCESS,
  FATAL,
  LEADER_HINT,
  metadataTopicAction,
  POSSIBLY_PERSISTED,
  produceErrorAction,
  REFRESH_METADATA,
  RETRY,
  SPLIT,
  TOPIC_FAIL_SENDS,
  TOPIC_REFRESH,
} from '../../../src/producer/error-actions';
import { ERROR_CODES, ErrorCode, errorInfo } from '../../../src/protocol/errors';

const ALL = [...ERROR_CODES.keys(), 9999];
const withBit = (bit: number, idempotent: boolean) => ALL.filter((c) => produceErrorAction(c, idempotent) & bit).sort((a, b) => a - b);

test('possibly written: a timed-out request, a lost connection, NOT_ENOUGH_REPLICAS_AFTER_APPEND', () => {
  expect(withBit(POSSIBLY_PERSISTED, true)).toEqual([ErrorCode.REQUEST_TIMED_OUT, ErrorCode.NETWORK_EXCEPTION, ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND]);
});

test('retry exactly Java\'s RetriableException set, except what the idempotent producer handles itself', () => {
  for (const idempotent of [false, true]) {
    for (const code of ALL) {
      const a = produceErrorAction(code, idempotent);
      if (a & (SPLIT | DUPLICATE_IS_SUCCESS | CHECK_SEQUENCE | FATAL)) continue;
      expect([code, (a & RETRY) !== 0]).toEqual([code, errorInfo(code).retriable]);
      expect([code, (a & REFRESH_METADATA) !== 0]).toEqual([code, errorInfo(code).refreshMetadata]);
    }
  }
});

test('sequence errors and duplicates are the idempotent producer\'s; plain ones fail or retry by the table', () => {
  expect(withBit(CHECK_SEQUENCE, true)).toEqual([ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, ErrorCode.UNKNOWN_PRODUCER_ID]);
  expect(withBit(CHECK_SEQUENCE, false)).toEqual([]);
  expect(withBit(DUPLICATE_IS_SUCCESS, true)).toEqual([ErrorCode.DUPLICATE_SEQUENCE_NUMBER]);
  expect(withBit(DUPLICATE_IS_SUCCESS, false)).toEqual([]);
});

test('fatal for the idempotent producer: cluster authorization, unsupported version, fenced', () => {
  expect(withBit(FATAL, true)).toEqual(
    [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ErrorCode.UNSUPPORTED_VERSION, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, ErrorCode.PRODUCER_FENCED].sort((a, b) => a - b),
  );
  expect(withBit(FATAL, false)).toEqual([]);
});

test('split only for MESSAGE_TOO_LARGE; leader hints only for NOT_LEADER_OR_FOLLOWER and FENCED_LEADER_EPOCH', () => {
  expect(withBit(SPLIT, true)).toEqual([ErrorCode.MESSAGE_TOO_LARGE]);
  expect(withBit(LEADER_HINT, true)).toEqual([ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.FENCED_LEADER_EPOCH]);
});

test('metadata: unauthorized or invalid topics fail waiting sends; stale-metadata errors refresh; others wait', () => {
  expect(ALL.filter((c) => metadataTopicAction(c) & TOPIC_FAIL_SENDS).sort((a, b) => a - b)).toEqual([ErrorCode.INVALID_TOPIC_EXCEPTION, ErrorCode.TOPIC_AUTHORIZATION_FAILED]);
  expect(metadataTopicAction(ErrorCode.LEADER_NOT_AVAILABLE)).toBe(TOPIC_REFRESH);
  expect(metadataTopicAction(ErrorCode.INVALID_REPLICATION_FACTOR)).toBe(0);
  expect(metadataTopicAction(ErrorCode.NONE)).toBe(0);
});
