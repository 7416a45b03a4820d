/**
 * The protocol layer as exported under `protocol`: for tools and tests that speak to a broker
 * directly. The producer is the supported way to write records.
 */
export * from './api-keys';
export { Writer } from './writer';
export { Reader } from './reader';
export * from './header';
export * from './messages/api-versions';
export * from './messages/metadata';
export * from './messages/produce';
export * from './messages/init-producer-id';
export * from './messages/sasl-handshake';
export * from './messages/sasl-authenticate';
export * from './messages/find-coordinator';
export * from './messages/add-partitions-to-txn';
export * from './messages/add-offsets-to-txn';
export * from './messages/end-txn';
export * from './messages/txn-offset-commit';
export * from './records/record-batch-builder';
export * from './records/record-batch-reader';
export * from './records/compression';
export * as recordBatchLayout from './records/record-batch-layout';
