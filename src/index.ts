/**
 * kafka-wire: public surface.
 */
export { murmur2, partitionForKey, toPositive } from './producer/partitioners/murmur2';
export { crc32c } from './protocol/crc32c';
export * from './protocol/errors';
export { Connection } from './net/connection';
export type { ConnectionOptions, RequestOptions } from './net/connection';
export * as protocol from './protocol/public';
