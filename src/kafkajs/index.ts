/**
 * kafka-wire/kafkajs: the kafkajs producer API on kafka-wire. Code written for kafkajs's
 * producer changes its import and runs on kafka-wire's producer (Java's accumulator, retries
 * and idempotence). What differs is listed in docs/migrating-from-kafkajs.md.
 */
export { Kafka } from './kafka';
export { Producer, Transaction, PRODUCER_EVENTS } from './producer';
export type { ProducerEventName } from './producer';
export { Partitioners } from './partitioners';
export { CompressionTypes, CompressionCodecs, logLevel } from './constants';
export type { KafkaJSLogger } from './logger';
export {
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSProtocolError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSConnectionError,
  KafkaJSRequestTimeoutError,
  KafkaJSTimeout,
  KafkaJSSASLAuthenticationError,
  KafkaJSMetadataNotLoaded,
  KafkaJSTopicMetadataNotLoaded,
  KafkaJSServerDoesNotSupportApiKey,
  KafkaJSNotImplemented,
  KafkaJSAggregateError,
  toKafkaJSError,
} from './errors';
export type * from './types';
