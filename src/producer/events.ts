/**
 * The producer's events and their payloads. KafkaProducer's on/once/off/emit take an event
 * name from ProducerEvents and a listener for that event's payload, so a misspelt name or a
 * listener expecting the wrong payload does not compile. Events are emitted only while
 * someone listens to them.
 *
 * Payloads are type aliases, not interfaces: an alias is assignable to Record<string, unknown>,
 * so a listener written for any payload (a logger, say) still type-checks.
 */

/** A Produce request written to a broker. */
export type RequestEvent = {
  /** The broker's node id. */
  node: number;
  /** Produce API version used. */
  version: number;
  batches: number;
  records: number;
  /** Record batch bytes in the request. */
  bytes: number;
};

/** A batch goes back to its queue to be sent again. */
export type RetryEvent = {
  topic: string;
  partition: number;
  /** Attempts made so far (1 after the first failure). */
  attempt: number;
  /** Kafka's name of the error that caused the retry (NOT_LEADER_OR_FOLLOWER, ...). */
  error: string;
};

/** A batch failed for good: each of its records gets `error` (or its own, when the broker named it). */
export type BatchErrorEvent = {
  topic: string;
  partition: number;
  records: number;
  error: Error;
};

/** A producer id and epoch obtained (producerId) or a new epoch for the same id (epochBump). */
export type ProducerIdEvent = {
  producerId: number;
  epoch: number;
};

/** A transactional producer found its transaction or group coordinator. */
export type CoordinatorEvent = {
  type: 'transaction' | 'group';
  /** The transactional id or the group id looked up. */
  key: string;
  nodeId: number;
};

/** A transactional producer sent a request (InitProducerId, AddPartitionsToTxn, EndTxn, ...). */
export type TransactionRequestEvent = {
  /** The API's name, as Kafka spells it (EndTxn, FindCoordinator, ...). */
  api: string;
  node: number;
  version: number;
};

/** The transactional producer hit a fatal error: only close() works from now on. */
export type TransactionErrorEvent = {
  fatal: true;
  error: Error;
};

/** Every event a KafkaProducer emits, by name, with its payload. */
export interface ProducerEvents {
  request: RequestEvent;
  retry: RetryEvent;
  batchError: BatchErrorEvent;
  producerId: ProducerIdEvent;
  epochBump: ProducerIdEvent;
  coordinator: CoordinatorEvent;
  transactionRequest: TransactionRequestEvent;
  transactionError: TransactionErrorEvent;
}

export type ProducerEventName = keyof ProducerEvents;

export type ProducerEventListener<E extends ProducerEventName> = (payload: ProducerEvents[E]) => void;

/** What the sender and the transaction manager call to emit an event (checked per event). */
export type EmitEvent = <E extends ProducerEventName>(event: E, payload: ProducerEvents[E]) => void;
