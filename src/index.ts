/**
 * kafka-wire: public surface.
 */
export { KafkaProducer } from './producer/kafka-producer';
export type { CloseOptions, ProducerInternals, Transaction } from './producer/kafka-producer';
export type { TransactionOffset, ConsumerGroupMetadata } from './producer/transactions';
export type {
  ProducerEvents,
  ProducerEventName,
  ProducerEventListener,
  RequestEvent,
  RetryEvent,
  BatchErrorEvent,
  ProducerIdEvent,
  CoordinatorEvent,
  TransactionRequestEvent,
  TransactionErrorEvent,
} from './producer/events';
export type { ProducerMetricGroups, TopicMetrics, NodeMetrics, MetricsOptions } from './producer/metrics';
export type {
  ProducerOptions,
  ProducerConfig,
  CompressionName,
  BuiltInPartitionerName,
  Acks,
  SaslOptions,
  SaslMechanism,
  SaslPasswordOptions,
  SaslOAuthBearerOptions,
  ResolvedSaslOptions,
  ConfigDefinition,
  ConfigName,
  ConfigValueType,
  BrokerAddress,
} from './producer/config';
export { CONFIG_DEFS } from './producer/config';
export type { OAuthBearerToken, OAuthBearerProvider } from './net/sasl/oauthbearer';
export type { OidcClientCredentials } from './net/sasl/oidc';
export { OidcTokenError } from './net/sasl/oidc';
export type { Logger } from './logger';
export type { ProducerRecord, RecordMetadata, Header, SendCallback } from './producer/record';
export type { PartitionInfo } from './producer/metadata';
export { stringSerializer, bytesSerializer, jsonSerializer, defaultSerializer } from './producer/serializers';
export type { Serializer } from './producer/serializers';
export * from './producer/partitioners';
export { crc32c } from './protocol/crc32c';
export * from './protocol/errors';
export { Connection } from './net/connection';
export type { ConnectionOptions, RequestOptions, TransportFactory, Transport, TransportTarget, ConnectionState, AuthStep, AuthTransport, AuthOutcome } from './net/connection';
export type { Clock, TimerHandle } from './net/clock';
export * as protocol from './protocol/public';
export { channels } from './tracing';
export type { SendContext, ProduceRequestMessage, ProduceResponseMessage, ConnectionMessage } from './tracing';
export type { ProducerInterceptor } from './producer/interceptors';
export { ProducerWriteStream, isRecordChunk } from './producer/write-stream';
export type { WriteStreamOptions, WriteStreamRecord, WriteStreamProducer } from './producer/write-stream';
