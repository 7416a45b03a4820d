/**
 * What the producer does about an error code: the one place that classifies broker errors
 * into actions. The sender, the metadata view and send() act on these bits and never test an
 * error number themselves.
 *
 * Produce (a partition's answer, or a whole request that failed), after Java's
 * Sender.completeBatch / canRetry / failBatch and TransactionManager.canRetry /
 * maybeTransitionToErrorState:
 *
 * | error                                         | bits                                      |
 * |-----------------------------------------------|-------------------------------------------|
 * | MESSAGE_TOO_LARGE                             | SPLIT (a one-record batch fails)          |
 * | DUPLICATE_SEQUENCE_NUMBER (idempotent)        | DUPLICATE_IS_SUCCESS                      |
 * | OUT_OF_ORDER_SEQUENCE_NUMBER (idempotent)     | CHECK_SEQUENCE (idempotence decides)      |
 * | UNKNOWN_PRODUCER_ID (idempotent)              | CHECK_SEQUENCE                            |
 * | NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH   | RETRY, REFRESH_METADATA, LEADER_HINT      |
 * | other InvalidMetadataException codes          | RETRY, REFRESH_METADATA                   |
 * | REQUEST_TIMED_OUT, NETWORK_EXCEPTION,         | RETRY, POSSIBLY_PERSISTED (+ refresh for  |
 * |   NOT_ENOUGH_REPLICAS_AFTER_APPEND            |   NETWORK_EXCEPTION, as Java's table has) |
 * | other retriable codes                         | RETRY                                     |
 * | CLUSTER_AUTHORIZATION_FAILED, UNSUPPORTED_    | FATAL when idempotent (every later send   |
 * |   VERSION, PRODUCER_FENCED, TRANSACTIONAL_ID_ |   fails with it)                          |
 * |   AUTHORIZATION_FAILED                        |                                           |
 * | anything else                                 | 0: the batch fails; with idempotence its  |
 * |                                               |   partition's sequence is reset           |
 *
 * RETRY is subject to the batch's budget (retries, delivery.timeout.ms). POSSIBLY_PERSISTED
 * says the broker may have written the batch although it answered with an error: a batch that
 * then fails keeps its sequence "unresolved" instead of reset (idempotence.ts).
 *
 * Metadata (a topic's error in a Metadata answer), after Java's Metadata.handleMetadataResponse
 * and KafkaProducer.waitOnMetadata: InvalidMetadataException codes ask for another refresh;
 * TOPIC_AUTHORIZATION_FAILED and INVALID_TOPIC_EXCEPTION fail a send waiting for the topic at
 * once; any other error lets the send wait out max.block.ms.
 */
import { ErrorCode, errorInfo } from '../protocol/errors';

export const RETRY = 1;
export const REFRESH_METADATA = 2;
export const LEADER_HINT = 4;
export const POSSIBLY_PERSISTED = 8;
export const SPLIT = 16;
export const DUPLICATE_IS_SUCCESS = 32;
export const CHECK_SEQUENCE = 64;
export const FATAL = 128;

/** Produce actions of every known code, for an idempotent and a plain producer. */
const idempotentActions = new Map<number, number>();
const plainActions = new Map<number, number>();

function classify(code: number, idempotent: boolean): number {
  const info = errorInfo(code);
  let bits = 0;
  if (info.retriable) bits |= RETRY;
  if (info.refreshMetadata) bits |= REFRESH_METADATA;
  switch (code) {
    case ErrorCode.NONE:
      return 0;
    case ErrorCode.MESSAGE_TOO_LARGE:
      return SPLIT;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.FENCED_LEADER_EPOCH:
      bits |= LEADER_HINT;
      break;
    case ErrorCode.REQUEST_TIMED_OUT:
    case ErrorCode.NETWORK_EXCEPTION:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
      bits |= POSSIBLY_PERSISTED;
      break;
  }
  if (!idempotent) return bits;
  switch (code) {
    case ErrorCode.DUPLICATE_SEQUENCE_NUMBER:
      return DUPLICATE_IS_SUCCESS;
    case ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER:
    case ErrorCode.UNKNOWN_PRODUCER_ID:
      return CHECK_SEQUENCE;
    case ErrorCode.CLUSTER_AUTHORIZATION_FAILED:
    case ErrorCode.UNSUPPORTED_VERSION:
    case ErrorCode.PRODUCER_FENCED:
    case ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
      return FATAL;
  }
  return bits;
}

/** The action bits for a Produce error `code`. */
export function produceErrorAction(code: number, idempotent: boolean): number {
  const table = idempotent ? idempotentActions : plainActions;
  let bits = table.get(code);
  if (bits === undefined) {
    bits = classify(code, idempotent);
    table.set(code, bits);
  }
  return bits;
}

/** The code a whole failed Produce request counts as: REQUEST_TIMED_OUT or NETWORK_EXCEPTION. */
export function requestFailureCode(timedOut: boolean): number {
  return timedOut ? ErrorCode.REQUEST_TIMED_OUT : ErrorCode.NETWORK_EXCEPTION;
}

export const TOPIC_REFRESH = 1;
export const TOPIC_FAIL_SENDS = 2;

/** The action bits for a topic-level error in a Metadata answer. */
export function metadataTopicAction(code: number): number {
  if (code === ErrorCode.NONE) return 0;
  if (code === ErrorCode.TOPIC_AUTHORIZATION_FAILED || code === ErrorCode.INVALID_TOPIC_EXCEPTION) return TOPIC_FAIL_SENDS;
  return errorInfo(code).refreshMetadata ? TOPIC_REFRESH : 0;
}
