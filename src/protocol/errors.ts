// Kafka error codes and the errors kafka-wire throws or rejects with.
//
// Role: one row per broker error code (Kafka 4.1, `org.apache.kafka.common.protocol.Errors`
// in kafka-clients 4.1.1), saying whether the Java client treats it as retriable
// (its exception is a RetriableException) and whether it means our metadata is stale
// (its exception is an InvalidMetadataException). test/unit/errors.test.ts checks every
// row against test/golden/errors.tsv, which is generated from the Java enum.
// `ErrorCode` (name -> number) is derived from the same rows, so code that compares an
// error code writes `ErrorCode.NOT_LEADER_OR_FOLLOWER`, never a bare 6.
//
// Invariants:
//  - ERROR_CODES holds every code from -1 to the highest known one, NONE (0) included.
//  - Every error kafka-wire throws or rejects with is a KafkaError with a stable string
//    `code`: the Java enum name for broker errors, `ERR_KAFKA_*` for client-side errors.
//  - `name` lives on each class's prototype, so it is right before the stack is captured
//    and survives minification of class names.
//
// Pure module: no I/O, no state, no dependencies.

/** What the client knows about one broker error code. */
export interface ErrorCodeInfo {
  code: number;
  name: string;
  retriable: boolean;
  refreshMetadata: boolean;
  message: string;
}

const R = 1; // retriable: Java's exception is a RetriableException
const M = 2; // refresh metadata: Java's exception is an InvalidMetadataException
const _ = 0;

type Row = readonly [code: number, name: string, flags: number, message: string];

// `as const` keeps each row's code and name as literal types, from which ErrorCode is typed.
const ROWS = [
  [-1, 'UNKNOWN_SERVER_ERROR', _, 'Something went wrong inside the broker that it could not classify.'],
  [0, 'NONE', _, 'No error.'],
  [1, 'OFFSET_OUT_OF_RANGE', _, "The requested offset lies outside the partition's log."],
  [2, 'CORRUPT_MESSAGE', R, 'The broker found a corrupt record or a checksum mismatch.'],
  [3, 'UNKNOWN_TOPIC_OR_PARTITION', R | M, 'The broker has no such topic or partition, or it is not hosted there.'],
  [4, 'INVALID_FETCH_SIZE', _, 'The broker refused the fetch size.'],
  [5, 'LEADER_NOT_AVAILABLE', R | M, 'The partition has no leader right now, for example during an election.'],
  [6, 'NOT_LEADER_OR_FOLLOWER', R | M, 'This broker is not the leader (or a follower) for the partition.'],
  [7, 'REQUEST_TIMED_OUT', R, 'The broker gave up waiting before the request completed; it may still have taken effect.'],
  [8, 'BROKER_NOT_AVAILABLE', _, 'The broker cannot serve requests at the moment.'],
  [9, 'REPLICA_NOT_AVAILABLE', R | M, 'A replica the request needs is not available.'],
  [10, 'MESSAGE_TOO_LARGE', _, 'The record batch is larger than the broker or topic accepts.'],
  [11, 'STALE_CONTROLLER_EPOCH', _, 'The request carried an out-of-date controller epoch.'],
  [12, 'OFFSET_METADATA_TOO_LARGE', _, 'The metadata attached to the committed offset is too long.'],
  [13, 'NETWORK_EXCEPTION', R | M, 'The broker lost a connection it needed while handling the request.'],
  [14, 'COORDINATOR_LOAD_IN_PROGRESS', R, 'The coordinator is still loading its state.'],
  [15, 'COORDINATOR_NOT_AVAILABLE', R, 'No coordinator is available for this group or transaction.'],
  [16, 'NOT_COORDINATOR', R, 'This broker is not the coordinator for this group or transaction.'],
  [17, 'INVALID_TOPIC_EXCEPTION', _, 'The topic name is not valid, or the topic cannot be written to by clients.'],
  [18, 'RECORD_LIST_TOO_LARGE', _, "The data sent for this partition is larger than the broker's log segment."],
  [19, 'NOT_ENOUGH_REPLICAS', R, 'Too few in-sync replicas to satisfy min.insync.replicas; nothing was written.'],
  [20, 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', R, 'The leader wrote the batch, but the in-sync replicas fell below the minimum before it was acknowledged.'],
  [21, 'INVALID_REQUIRED_ACKS', _, 'The broker does not accept this acks value.'],
  [22, 'ILLEGAL_GENERATION', _, 'The group generation is out of date.'],
  [23, 'INCONSISTENT_GROUP_PROTOCOL', _, "The member's protocols do not match those of the group."],
  [24, 'INVALID_GROUP_ID', _, 'The group id is empty or malformed.'],
  [25, 'UNKNOWN_MEMBER_ID', _, 'The group coordinator has no member with this id.'],
  [26, 'INVALID_SESSION_TIMEOUT', _, 'The session timeout is outside the range the broker allows.'],
  [27, 'REBALANCE_IN_PROGRESS', _, 'The group is rebalancing; the member must join again.'],
  [28, 'INVALID_COMMIT_OFFSET_SIZE', _, 'The offset commit was refused because of its size.'],
  [29, 'TOPIC_AUTHORIZATION_FAILED', _, 'The client may not access this topic.'],
  [30, 'GROUP_AUTHORIZATION_FAILED', _, 'The client may not access this group.'],
  [31, 'CLUSTER_AUTHORIZATION_FAILED', _, 'The client may not perform this cluster-level operation.'],
  [32, 'INVALID_TIMESTAMP', _, 'A record timestamp is outside the range the topic accepts.'],
  [33, 'UNSUPPORTED_SASL_MECHANISM', _, 'SASL with this mechanism is not enabled on the broker.'],
  [34, 'ILLEGAL_SASL_STATE', _, 'The request came at the wrong point of the SASL exchange.'],
  [35, 'UNSUPPORTED_VERSION', _, 'The broker does not support this version of the request.'],
  [36, 'TOPIC_ALREADY_EXISTS', _, 'The topic to create is already there.'],
  [37, 'INVALID_PARTITIONS', _, 'The partition count is not valid.'],
  [38, 'INVALID_REPLICATION_FACTOR', _, 'The replication factor is not valid.'],
  [39, 'INVALID_REPLICA_ASSIGNMENT', _, 'The proposed mapping of replicas to brokers was refused.'],
  [40, 'INVALID_CONFIG', _, 'The broker refused one or more configuration values.'],
  [41, 'NOT_CONTROLLER', R, 'This broker is not the active controller.'],
  [42, 'INVALID_REQUEST', _, 'The broker could not make sense of the request, which usually means a client bug.'],
  [43, 'UNSUPPORTED_FOR_MESSAGE_FORMAT', _, "The topic's message format is too old for this request."],
  [44, 'POLICY_VIOLATION', _, 'The request breaks a policy set on the broker.'],
  [45, 'OUT_OF_ORDER_SEQUENCE_NUMBER', _, 'The broker received a sequence number out of order for this producer.'],
  [46, 'DUPLICATE_SEQUENCE_NUMBER', _, 'The broker already holds a batch with this sequence number.'],
  [47, 'INVALID_PRODUCER_EPOCH', _, 'The producer epoch is older than the one the broker knows.'],
  [48, 'INVALID_TXN_STATE', _, "The operation is not allowed in the transaction's current state."],
  [49, 'INVALID_PRODUCER_ID_MAPPING', _, 'The transactional id is not mapped to this producer id.'],
  [50, 'INVALID_TRANSACTION_TIMEOUT', _, "The transaction timeout is above the broker's limit."],
  [51, 'CONCURRENT_TRANSACTIONS', R, 'An earlier transaction of this producer is still being completed.'],
  [52, 'TRANSACTION_COORDINATOR_FENCED', _, 'A newer transaction coordinator has taken over.'],
  [53, 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', _, 'The client may not use this transactional id.'],
  [54, 'SECURITY_DISABLED', _, 'This broker has security turned off, so the request does not apply.'],
  [55, 'OPERATION_NOT_ATTEMPTED', _, 'The broker skipped this operation because a related one failed.'],
  [56, 'KAFKA_STORAGE_ERROR', R | M, 'A disk problem on the broker made the partition unavailable.'],
  [57, 'LOG_DIR_NOT_FOUND', _, 'The broker has no such log directory.'],
  [58, 'SASL_AUTHENTICATION_FAILED', _, 'The broker refused the SASL credentials or the exchange failed.'],
  [59, 'UNKNOWN_PRODUCER_ID', _, 'The broker holds no state for this producer id.'],
  [60, 'REASSIGNMENT_IN_PROGRESS', _, 'Partitions are being reassigned, so this cannot be done now.'],
  [61, 'DELEGATION_TOKEN_AUTH_DISABLED', _, 'This cluster does not have delegation tokens turned on.'],
  [62, 'DELEGATION_TOKEN_NOT_FOUND', _, 'There is no such delegation token.'],
  [63, 'DELEGATION_TOKEN_OWNER_MISMATCH', _, 'The principal does not own this delegation token.'],
  [64, 'DELEGATION_TOKEN_REQUEST_NOT_ALLOWED', _, 'Delegation token requests are refused on this kind of connection.'],
  [65, 'DELEGATION_TOKEN_AUTHORIZATION_FAILED', _, 'The client may not perform this delegation token operation.'],
  [66, 'DELEGATION_TOKEN_EXPIRED', _, 'The delegation token is past its expiry time.'],
  [67, 'INVALID_PRINCIPAL_TYPE', _, 'The broker does not handle this kind of principal.'],
  [68, 'NON_EMPTY_GROUP', _, 'The group still has members.'],
  [69, 'GROUP_ID_NOT_FOUND', _, 'There is no such group.'],
  [70, 'FETCH_SESSION_ID_NOT_FOUND', R, 'The broker does not know this fetch session.'],
  [71, 'INVALID_FETCH_SESSION_EPOCH', R, "The fetch session epoch does not match the broker's."],
  [72, 'LISTENER_NOT_FOUND', R | M, 'The leader has no endpoint on the listener this request came in on.'],
  [73, 'TOPIC_DELETION_DISABLED', _, 'Topic deletion is turned off on this cluster.'],
  [74, 'FENCED_LEADER_EPOCH', R | M, 'The request used a leader epoch the broker has already moved past.'],
  [75, 'UNKNOWN_LEADER_EPOCH', R, 'The request used a leader epoch the broker has not reached yet.'],
  [76, 'UNSUPPORTED_COMPRESSION_TYPE', _, 'The broker cannot use this compression type for this request.'],
  [77, 'STALE_BROKER_EPOCH', _, 'The broker epoch is out of date.'],
  [78, 'OFFSET_NOT_AVAILABLE', R, 'The leader cannot serve this offset yet.'],
  [79, 'MEMBER_ID_REQUIRED', _, 'The member needs a member id before it can join the group.'],
  [80, 'PREFERRED_LEADER_NOT_AVAILABLE', R | M, 'The preferred replica could not become leader.'],
  [81, 'GROUP_MAX_SIZE_REACHED', _, 'The group is at its size limit.'],
  [82, 'FENCED_INSTANCE_ID', _, 'Another member with the same static instance id replaced this one.'],
  [83, 'ELIGIBLE_LEADERS_NOT_AVAILABLE', R | M, 'No replica is eligible to lead the partition.'],
  [84, 'ELECTION_NOT_NEEDED', R | M, 'The partition already has the leader an election would choose.'],
  [85, 'NO_REASSIGNMENT_IN_PROGRESS', _, 'There is no partition reassignment to cancel or change.'],
  [86, 'GROUP_SUBSCRIBED_TO_TOPIC', _, "The group's offsets for this topic cannot be deleted while it is subscribed."],
  [87, 'INVALID_RECORD', _, 'The broker refused a record as not valid.'],
  [88, 'UNSTABLE_OFFSET_COMMIT', R, 'Offsets for this partition are waiting on an open transaction.'],
  [89, 'THROTTLING_QUOTA_EXCEEDED', R, 'A rate quota for this operation was exceeded.'],
  [90, 'PRODUCER_FENCED', _, 'This producer was fenced by a newer one using the same transactional id.'],
  [91, 'RESOURCE_NOT_FOUND', _, 'The named resource does not exist.'],
  [92, 'DUPLICATE_RESOURCE', _, 'The request names the same resource more than once.'],
  [93, 'UNACCEPTABLE_CREDENTIAL', _, "The credential does not meet the broker's rules."],
  [94, 'INCONSISTENT_VOTER_SET', _, 'The voter sets of the replica and the request disagree.'],
  [95, 'INVALID_UPDATE_VERSION', _, 'The broker refused the version number of the update.'],
  [96, 'FEATURE_UPDATE_FAILED', _, 'The cluster could not apply the feature update.'],
  [97, 'PRINCIPAL_DESERIALIZATION_FAILURE', _, 'The broker could not decode the forwarded principal.'],
  [98, 'SNAPSHOT_NOT_FOUND', _, 'There is no such metadata snapshot.'],
  [99, 'POSITION_OUT_OF_RANGE', _, 'The requested position lies outside the snapshot.'],
  [100, 'UNKNOWN_TOPIC_ID', R | M, 'The broker has no topic with this topic id.'],
  [101, 'DUPLICATE_BROKER_REGISTRATION', _, 'A broker with this id is already registered.'],
  [102, 'BROKER_ID_NOT_REGISTERED', _, 'No broker with this id is registered.'],
  [103, 'INCONSISTENT_TOPIC_ID', R | M, 'The topic id does not match the one the broker has for this topic.'],
  [104, 'INCONSISTENT_CLUSTER_ID', _, 'The cluster id does not match this cluster.'],
  [105, 'TRANSACTIONAL_ID_NOT_FOUND', _, 'There is no such transactional id.'],
  [106, 'FETCH_SESSION_TOPIC_ID_ERROR', R, "The fetch session's topic ids are inconsistent."],
  [107, 'INELIGIBLE_REPLICA', _, 'The proposed in-sync replica set includes a replica that is not eligible.'],
  [108, 'NEW_LEADER_ELECTED', _, 'A new leader was elected while the request was pending.'],
  [109, 'OFFSET_MOVED_TO_TIERED_STORAGE', _, 'The requested offset is no longer on local disk but in tiered storage.'],
  [110, 'FENCED_MEMBER_EPOCH', _, 'The member epoch is fenced, so the member has to rejoin.'],
  [111, 'UNRELEASED_INSTANCE_ID', _, 'The static instance id is still held by another member.'],
  [112, 'UNSUPPORTED_ASSIGNOR', _, 'The group does not support this assignor.'],
  [113, 'STALE_MEMBER_EPOCH', _, 'The member epoch is stale.'],
  [114, 'MISMATCHED_ENDPOINT_TYPE', _, 'The request reached the wrong kind of endpoint.'],
  [115, 'UNSUPPORTED_ENDPOINT_TYPE', _, 'This kind of endpoint does not support the request.'],
  [116, 'UNKNOWN_CONTROLLER_ID', _, 'The broker knows no controller with this id.'],
  [117, 'UNKNOWN_SUBSCRIPTION_ID', _, 'No client telemetry subscription with this id is known.'],
  [118, 'TELEMETRY_TOO_LARGE', _, 'The client telemetry payload is too large.'],
  [119, 'INVALID_REGISTRATION', _, "The controller did not accept the broker's registration."],
  [120, 'TRANSACTION_ABORTABLE', _, 'The transaction hit an error and has to be aborted.'],
  [121, 'INVALID_RECORD_STATE', _, 'The record is not in a state that allows this share operation.'],
  [122, 'SHARE_SESSION_NOT_FOUND', R, 'The broker does not know this share session.'],
  [123, 'INVALID_SHARE_SESSION_EPOCH', R, "The share session epoch does not match the broker's."],
  [124, 'FENCED_STATE_EPOCH', _, 'The share-group state epoch is fenced.'],
  [125, 'INVALID_VOTER_KEY', _, 'The voter key differs from the key of the replica that received it.'],
  [126, 'DUPLICATE_VOTER', _, 'The voter set already contains this voter.'],
  [127, 'VOTER_NOT_FOUND', _, 'The voter set does not contain this voter.'],
  [128, 'INVALID_REGULAR_EXPRESSION', _, 'The broker could not compile the regular expression.'],
  // Not retriable in Java's classification, but its client answers it by bootstrapping again.
  [129, 'REBOOTSTRAP_REQUIRED', _, 'The client has to fetch metadata again from its bootstrap servers.'],
  [130, 'STREAMS_INVALID_TOPOLOGY', _, 'The broker refused the Streams topology as malformed.'],
  [131, 'STREAMS_INVALID_TOPOLOGY_EPOCH', _, 'The broker refused the epoch of the Streams topology.'],
  [132, 'STREAMS_TOPOLOGY_FENCED', _, 'A newer Streams topology has replaced this one.'],
  [133, 'SHARE_SESSION_LIMIT_REACHED', R, 'The broker has reached its limit of share sessions.'],
] as const satisfies readonly Row[];

type TableRow = (typeof ROWS)[number];

/** A Kafka error name, e.g. 'NOT_LEADER_OR_FOLLOWER'. */
export type ErrorCodeName = TableRow[1];

/** Every Kafka error code by its Java enum name; each value is typed as its number literal. */
export type ErrorCodeTable = { readonly [Row in TableRow as Row[1]]: Row[0] };

/**
 * Every Kafka error code by name (Kafka 4.1): `ErrorCode.NONE === 0`,
 * `ErrorCode.NOT_LEADER_OR_FOLLOWER === 6`. Frozen.
 */
export const ErrorCode: ErrorCodeTable = Object.freeze(
  Object.fromEntries(ROWS.map(([code, name]) => [name, code])) as ErrorCodeTable,
);

/** Every Kafka error code (Kafka 4.1), by numeric code. */
export const ERROR_CODES: ReadonlyMap<number, ErrorCodeInfo> = new Map(
  ROWS.map(([code, name, flags, message]): [number, ErrorCodeInfo] => [
    code,
    Object.freeze({ code, name, retriable: (flags & R) !== 0, refreshMetadata: (flags & M) !== 0, message }),
  ]),
);

/** The row for `code`; a code newer than this client gets UNKNOWN_CODE_<n>, not retriable. */
export function errorInfo(code: number): ErrorCodeInfo {
  const info = ERROR_CODES.get(code);
  if (info !== undefined) return info;
  // Java's Errors.forCode maps an unknown code to UNKNOWN_SERVER_ERROR; we keep the number.
  return Object.freeze({
    code,
    name: `UNKNOWN_CODE_${code}`,
    retriable: false,
    refreshMetadata: false,
    message: `The broker returned error code ${code}, which this client does not know.`,
  });
}

// Sets `name` on the prototype: right before Error captures the stack, and not an own
// enumerable property of every instance.
function named(cls: { prototype: Error }, name: string): void {
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, configurable: true, enumerable: false });
}

// `{ cause }` only when the caller gave one, so `'cause' in err` stays meaningful.
function causeOf(options: { cause?: unknown } | undefined): { cause?: unknown } {
  return options !== undefined && 'cause' in options ? { cause: options.cause } : {};
}

/** Base of every error kafka-wire throws or rejects with. */
export class KafkaError extends Error {
  static {
    named(this, 'KafkaError');
  }
  /** Stable code: the Kafka error name for broker errors, `ERR_KAFKA_*` for client-side errors. */
  readonly code: string;
  /** Whether trying the same operation again may succeed. */
  readonly retriable: boolean;

  constructor(message: string, options?: { code?: string; retriable?: boolean; cause?: unknown }) {
    super(message, causeOf(options));
    this.code = options?.code ?? 'ERR_KAFKA';
    this.retriable = options?.retriable ?? false;
    Error.captureStackTrace?.(this, new.target);
  }
}

/** An error code returned by a broker. Build one with brokerErrorFor to get the right subclass. */
export class BrokerError extends KafkaError {
  static {
    named(this, 'BrokerError');
  }
  readonly errorCode: number;
  readonly errorName: string;
  /** Java's InvalidMetadataException set: refresh metadata before retrying. */
  readonly refreshMetadata: boolean;
  /** The broker's own error message, when it sent one. */
  readonly brokerMessage: string | null;

  /** `message` is the broker's error message, if any; it is appended to ours. */
  constructor(errorCode: number, message?: string | null) {
    if (errorCode === ErrorCode.NONE) throw new TypeError('Error code 0 (NONE) is not an error.');
    const info = errorInfo(errorCode);
    const brokerMessage = message === undefined || message === null || message === '' ? null : message;
    const text = brokerMessage === null ? info.message : `${info.message} Broker message: ${brokerMessage}`;
    super(text, { code: info.name, retriable: info.retriable });
    this.errorCode = errorCode;
    this.errorName = info.name;
    this.refreshMetadata = info.refreshMetadata;
    this.brokerMessage = brokerMessage;
  }
}

// One subclass per code the producer branches on.
export class CorruptMessageError extends BrokerError { static { named(this, 'CorruptMessageError'); } constructor(message?: string | null) { super(ErrorCode.CORRUPT_MESSAGE, message); } }
export class UnknownTopicOrPartitionError extends BrokerError { static { named(this, 'UnknownTopicOrPartitionError'); } constructor(message?: string | null) { super(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message); } }
export class LeaderNotAvailableError extends BrokerError { static { named(this, 'LeaderNotAvailableError'); } constructor(message?: string | null) { super(ErrorCode.LEADER_NOT_AVAILABLE, message); } }
export class NotLeaderOrFollowerError extends BrokerError { static { named(this, 'NotLeaderOrFollowerError'); } constructor(message?: string | null) { super(ErrorCode.NOT_LEADER_OR_FOLLOWER, message); } }
export class RequestTimedOutError extends BrokerError { static { named(this, 'RequestTimedOutError'); } constructor(message?: string | null) { super(ErrorCode.REQUEST_TIMED_OUT, message); } }
export class MessageTooLargeError extends BrokerError { static { named(this, 'MessageTooLargeError'); } constructor(message?: string | null) { super(ErrorCode.MESSAGE_TOO_LARGE, message); } }
export class NetworkExceptionError extends BrokerError { static { named(this, 'NetworkExceptionError'); } constructor(message?: string | null) { super(ErrorCode.NETWORK_EXCEPTION, message); } }
export class InvalidTopicError extends BrokerError { static { named(this, 'InvalidTopicError'); } constructor(message?: string | null) { super(ErrorCode.INVALID_TOPIC_EXCEPTION, message); } }
export class RecordListTooLargeError extends BrokerError { static { named(this, 'RecordListTooLargeError'); } constructor(message?: string | null) { super(ErrorCode.RECORD_LIST_TOO_LARGE, message); } }
export class NotEnoughReplicasError extends BrokerError { static { named(this, 'NotEnoughReplicasError'); } constructor(message?: string | null) { super(ErrorCode.NOT_ENOUGH_REPLICAS, message); } }
export class NotEnoughReplicasAfterAppendError extends BrokerError { static { named(this, 'NotEnoughReplicasAfterAppendError'); } constructor(message?: string | null) { super(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, message); } }
export class TopicAuthorizationError extends BrokerError { static { named(this, 'TopicAuthorizationError'); } constructor(message?: string | null) { super(ErrorCode.TOPIC_AUTHORIZATION_FAILED, message); } }
export class ClusterAuthorizationError extends BrokerError { static { named(this, 'ClusterAuthorizationError'); } constructor(message?: string | null) { super(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, message); } }
export class InvalidTimestampError extends BrokerError { static { named(this, 'InvalidTimestampError'); } constructor(message?: string | null) { super(ErrorCode.INVALID_TIMESTAMP, message); } }
export class UnsupportedSaslMechanismError extends BrokerError { static { named(this, 'UnsupportedSaslMechanismError'); } constructor(message?: string | null) { super(ErrorCode.UNSUPPORTED_SASL_MECHANISM, message); } }
export class IllegalSaslStateError extends BrokerError { static { named(this, 'IllegalSaslStateError'); } constructor(message?: string | null) { super(ErrorCode.ILLEGAL_SASL_STATE, message); } }
/** Broker code 35. When the client finds no common version by itself, it throws NoCommonVersionError. */
export class UnsupportedVersionError extends BrokerError { static { named(this, 'UnsupportedVersionError'); } constructor(message?: string | null) { super(ErrorCode.UNSUPPORTED_VERSION, message); } }
export class OutOfOrderSequenceError extends BrokerError { static { named(this, 'OutOfOrderSequenceError'); } constructor(message?: string | null) { super(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, message); } }
export class DuplicateSequenceError extends BrokerError { static { named(this, 'DuplicateSequenceError'); } constructor(message?: string | null) { super(ErrorCode.DUPLICATE_SEQUENCE_NUMBER, message); } }
export class InvalidProducerEpochError extends BrokerError { static { named(this, 'InvalidProducerEpochError'); } constructor(message?: string | null) { super(ErrorCode.INVALID_PRODUCER_EPOCH, message); } }
export class TransactionalIdAuthorizationError extends BrokerError { static { named(this, 'TransactionalIdAuthorizationError'); } constructor(message?: string | null) { super(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, message); } }
export class KafkaStorageError extends BrokerError { static { named(this, 'KafkaStorageError'); } constructor(message?: string | null) { super(ErrorCode.KAFKA_STORAGE_ERROR, message); } }
export class SaslAuthenticationError extends BrokerError { static { named(this, 'SaslAuthenticationError'); } constructor(message?: string | null) { super(ErrorCode.SASL_AUTHENTICATION_FAILED, message); } }
export class UnknownProducerIdError extends BrokerError { static { named(this, 'UnknownProducerIdError'); } constructor(message?: string | null) { super(ErrorCode.UNKNOWN_PRODUCER_ID, message); } }
export class FencedLeaderEpochError extends BrokerError { static { named(this, 'FencedLeaderEpochError'); } constructor(message?: string | null) { super(ErrorCode.FENCED_LEADER_EPOCH, message); } }
export class InvalidRecordError extends BrokerError { static { named(this, 'InvalidRecordError'); } constructor(message?: string | null) { super(ErrorCode.INVALID_RECORD, message); } }
export class ThrottlingQuotaExceededError extends BrokerError { static { named(this, 'ThrottlingQuotaExceededError'); } constructor(message?: string | null) { super(ErrorCode.THROTTLING_QUOTA_EXCEEDED, message); } }
export class ProducerFencedError extends BrokerError { static { named(this, 'ProducerFencedError'); } constructor(message?: string | null) { super(ErrorCode.PRODUCER_FENCED, message); } }
export class UnknownTopicIdError extends BrokerError { static { named(this, 'UnknownTopicIdError'); } constructor(message?: string | null) { super(ErrorCode.UNKNOWN_TOPIC_ID, message); } }
export class TransactionAbortableError extends BrokerError { static { named(this, 'TransactionAbortableError'); } constructor(message?: string | null) { super(ErrorCode.TRANSACTION_ABORTABLE, message); } }
export class IllegalGenerationError extends BrokerError { static { named(this, 'IllegalGenerationError'); } constructor(message?: string | null) { super(ErrorCode.ILLEGAL_GENERATION, message); } }
export class UnknownMemberIdError extends BrokerError { static { named(this, 'UnknownMemberIdError'); } constructor(message?: string | null) { super(ErrorCode.UNKNOWN_MEMBER_ID, message); } }
export class GroupAuthorizationError extends BrokerError { static { named(this, 'GroupAuthorizationError'); } constructor(message?: string | null) { super(ErrorCode.GROUP_AUTHORIZATION_FAILED, message); } }
export class InvalidTxnStateError extends BrokerError { static { named(this, 'InvalidTxnStateError'); } constructor(message?: string | null) { super(ErrorCode.INVALID_TXN_STATE, message); } }
export class InvalidProducerIdMappingError extends BrokerError { static { named(this, 'InvalidProducerIdMappingError'); } constructor(message?: string | null) { super(ErrorCode.INVALID_PRODUCER_ID_MAPPING, message); } }
export class FencedInstanceIdError extends BrokerError { static { named(this, 'FencedInstanceIdError'); } constructor(message?: string | null) { super(ErrorCode.FENCED_INSTANCE_ID, message); } }

type BrokerErrorClass = new (message?: string | null) => BrokerError;

const SUBCLASSES: ReadonlyMap<number, BrokerErrorClass> = new Map<number, BrokerErrorClass>([
  [ErrorCode.CORRUPT_MESSAGE, CorruptMessageError],
  [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, UnknownTopicOrPartitionError],
  [ErrorCode.LEADER_NOT_AVAILABLE, LeaderNotAvailableError],
  [ErrorCode.NOT_LEADER_OR_FOLLOWER, NotLeaderOrFollowerError],
  [ErrorCode.REQUEST_TIMED_OUT, RequestTimedOutError],
  [ErrorCode.MESSAGE_TOO_LARGE, MessageTooLargeError],
  [ErrorCode.NETWORK_EXCEPTION, NetworkExceptionError],
  [ErrorCode.INVALID_TOPIC_EXCEPTION, InvalidTopicError],
  [ErrorCode.RECORD_LIST_TOO_LARGE, RecordListTooLargeError],
  [ErrorCode.NOT_ENOUGH_REPLICAS, NotEnoughReplicasError],
  [ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, NotEnoughReplicasAfterAppendError],
  [ErrorCode.TOPIC_AUTHORIZATION_FAILED, TopicAuthorizationError],
  [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ClusterAuthorizationError],
  [ErrorCode.INVALID_TIMESTAMP, InvalidTimestampError],
  [ErrorCode.UNSUPPORTED_SASL_MECHANISM, UnsupportedSaslMechanismError],
  [ErrorCode.ILLEGAL_SASL_STATE, IllegalSaslStateError],
  [ErrorCode.UNSUPPORTED_VERSION, UnsupportedVersionError],
  [ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, OutOfOrderSequenceError],
  [ErrorCode.DUPLICATE_SEQUENCE_NUMBER, DuplicateSequenceError],
  [ErrorCode.INVALID_PRODUCER_EPOCH, InvalidProducerEpochError],
  [ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, TransactionalIdAuthorizationError],
  [ErrorCode.KAFKA_STORAGE_ERROR, KafkaStorageError],
  [ErrorCode.SASL_AUTHENTICATION_FAILED, SaslAuthenticationError],
  [ErrorCode.UNKNOWN_PRODUCER_ID, UnknownProducerIdError],
  [ErrorCode.FENCED_LEADER_EPOCH, FencedLeaderEpochError],
  [ErrorCode.INVALID_RECORD, InvalidRecordError],
  [ErrorCode.THROTTLING_QUOTA_EXCEEDED, ThrottlingQuotaExceededError],
  [ErrorCode.PRODUCER_FENCED, ProducerFencedError],
  [ErrorCode.UNKNOWN_TOPIC_ID, UnknownTopicIdError],
  [ErrorCode.TRANSACTION_ABORTABLE, TransactionAbortableError],
  [ErrorCode.ILLEGAL_GENERATION, IllegalGenerationError],
  [ErrorCode.UNKNOWN_MEMBER_ID, UnknownMemberIdError],
  [ErrorCode.GROUP_AUTHORIZATION_FAILED, GroupAuthorizationError],
  [ErrorCode.INVALID_TXN_STATE, InvalidTxnStateError],
  [ErrorCode.INVALID_PRODUCER_ID_MAPPING, InvalidProducerIdMappingError],
  [ErrorCode.FENCED_INSTANCE_ID, FencedInstanceIdError],
]);

/**
 * The error for a broker's error code: the matching subclass, else a plain BrokerError.
 * Code 0 (NONE) is a programming error and throws a TypeError.
 */
export function brokerErrorFor(code: number, message?: string | null): BrokerError {
  if (code === ErrorCode.NONE) throw new TypeError('brokerErrorFor(0): error code 0 (NONE) is not an error.');
  const Subclass = SUBCLASSES.get(code);
  return Subclass !== undefined ? new Subclass(message) : new BrokerError(code, message);
}

// ---- Client-side errors ----

/**
 * A deadline passed on the client: max.block.ms, request.timeout.ms or delivery.timeout.ms.
 * Retriable, as Java's TimeoutException is.
 */
export class TimeoutError extends KafkaError {
  static {
    named(this, 'TimeoutError');
  }
  constructor(message: string, options?: { code?: string; cause?: unknown }) {
    super(message, { ...causeOf(options), code: options?.code ?? 'ERR_KAFKA_TIMEOUT', retriable: true });
  }
}

/**
 * No room in buffer.memory within max.block.ms. A TimeoutError, as Java's
 * BufferExhaustedException is a TimeoutException.
 */
export class BufferExhaustedError extends TimeoutError {
  static {
    named(this, 'BufferExhaustedError');
  }
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...causeOf(options), code: 'ERR_KAFKA_BUFFER_EXHAUSTED' });
  }
}

/** A record is larger than max.request.size or buffer.memory; it is refused before it is queued. */
export class RecordTooLargeError extends KafkaError {
  static {
    named(this, 'RecordTooLargeError');
  }
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...causeOf(options), code: 'ERR_KAFKA_RECORD_TOO_LARGE', retriable: false });
  }
}

/** A key or value serializer failed; only that record is rejected. */
export class SerializationError extends KafkaError {
  static {
    named(this, 'SerializationError');
  }
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...causeOf(options), code: 'ERR_KAFKA_SERIALIZATION', retriable: false });
  }
}

/** A connection to a broker could not be made or was lost. Retriable. */
export class ConnectionError extends KafkaError {
  static {
    named(this, 'ConnectionError');
  }
  /** The broker, as `host:port` or a node id, when known. */
  readonly broker?: string;

  constructor(message: string, options?: { broker?: string; cause?: unknown }) {
    super(message, { ...causeOf(options), code: 'ERR_KAFKA_CONNECTION', retriable: true });
    if (options?.broker !== undefined) this.broker = options.broker;
  }
}

/** A response could not be decoded: too short, a bad length, a value out of range. */
export class MalformedResponseError extends KafkaError {
  static {
    named(this, 'MalformedResponseError');
  }
  /** Where decoding failed, e.g. 'ProduceResponse.responses[0].partitionResponses[2].baseOffset'. */
  readonly field: string;
  // Not readonly: the reader knows the field, the connection that called it knows the request.
  apiKey?: number;
  apiVersion?: number;

  constructor(message: string, options: { field: string; apiKey?: number; apiVersion?: number; cause?: unknown }) {
    super(message, { ...causeOf(options), code: 'ERR_KAFKA_MALFORMED_RESPONSE', retriable: false });
    this.field = options.field;
    if (options.apiKey !== undefined) this.apiKey = options.apiKey;
    if (options.apiVersion !== undefined) this.apiVersion = options.apiVersion;
  }
}

/** The producer is closed (or closing) and accepts no more work. */
export class ProducerClosedError extends KafkaError {
  static {
    named(this, 'ProducerClosedError');
  }
  constructor(message = 'The producer is closed.', options?: { cause?: unknown }) {
    super(message, { ...causeOf(options), code: 'ERR_KAFKA_PRODUCER_CLOSED', retriable: false });
  }
}

/**
 * A call was given an argument it cannot use: a record without a topic, a negative
 * partition or timestamp, a header of the wrong type (Java throws IllegalArgumentException).
 */
export class InvalidArgumentError extends KafkaError {
  static {
    named(this, 'InvalidArgumentError');
  }
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...causeOf(options), code: 'ERR_KAFKA_INVALID_ARGUMENT', retriable: false });
  }
}

/** A custom partitioner threw for a record: that record fails with this, its cause the throw. */
export class PartitionerError extends KafkaError {
  static {
    named(this, 'PartitionerError');
  }
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...causeOf(options), code: 'ERR_KAFKA_PARTITIONER', retriable: false });
  }
}

/** A state machine was asked for a move its table does not allow: a defect of the client. */
export class IllegalStateError extends KafkaError {
  static {
    named(this, 'IllegalStateError');
  }
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...causeOf(options), code: 'ERR_KAFKA_ILLEGAL_STATE', retriable: false });
  }
}

/**
 * A record was sent in a transaction that was aborted before it was written (Java's
 * TransactionAbortedException), or the transaction hit an error and must be aborted: the
 * cause says which error.
 */
export class TransactionAbortedError extends KafkaError {
  static {
    named(this, 'TransactionAbortedError');
  }
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...causeOf(options), code: 'ERR_KAFKA_TRANSACTION_ABORTED', retriable: false });
  }
}

/**
 * The group refused the offsets of sendOffsetsToTransaction because the consumer's generation
 * or member id is no longer current (Java's CommitFailedException): the transaction must be
 * aborted, and the consumer has lost its partitions.
 */
export class CommitFailedError extends KafkaError {
  static {
    named(this, 'CommitFailedError');
  }
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...causeOf(options), code: 'ERR_KAFKA_COMMIT_FAILED', retriable: false });
  }
}

/** A producer option is missing, of the wrong type or out of range. */
export class ConfigError extends KafkaError {
  static {
    named(this, 'ConfigError');
  }
  /** The option at fault, as the user spelled it. */
  readonly option: string;

  constructor(message: string, options: { option: string; cause?: unknown }) {
    super(message, { ...causeOf(options), code: 'ERR_KAFKA_CONFIG', retriable: false });
    this.option = options.option;
  }
}

/** An inclusive range of API versions. */
export interface VersionRange {
  min: number;
  max: number;
}

/**
 * The client and the broker share no version of an API (found from ApiVersions, before
 * anything is sent). The broker's own UNSUPPORTED_VERSION answer is UnsupportedVersionError.
 */
export class NoCommonVersionError extends KafkaError {
  static {
    named(this, 'NoCommonVersionError');
  }
  readonly apiKey: number;
  /** The versions this client speaks. */
  readonly clientVersions: VersionRange;
  /** The versions the broker speaks; null when it does not offer the API at all. */
  readonly brokerVersions: VersionRange | null;

  constructor(
    apiKey: number,
    clientVersions: VersionRange,
    brokerVersions: VersionRange | null,
    options?: { message?: string; cause?: unknown },
  ) {
    const client = `${clientVersions.min}-${clientVersions.max}`;
    const broker = brokerVersions === null ? 'does not offer it' : `speaks ${brokerVersions.min}-${brokerVersions.max}`;
    const message =
      options?.message ?? `No version of API key ${apiKey} is shared: this client speaks ${client}, the broker ${broker}.`;
    super(message, { ...causeOf(options), code: 'ERR_KAFKA_NO_COMMON_VERSION', retriable: false });
    this.apiKey = apiKey;
    this.clientVersions = Object.freeze({ min: clientVersions.min, max: clientVersions.max });
    this.brokerVersions =
      brokerVersions === null ? null : Object.freeze({ min: brokerVersions.min, max: brokerVersions.max });
  }
}
