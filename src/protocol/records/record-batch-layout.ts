/**
 * Record batch v2 (magic 2) header layout: byte offsets of each field in the 61-byte header.
 * The CRC (CRC-32C) covers everything from ATTRIBUTES to the end of the batch.
 */
export const BASE_OFFSET_OFFSET = 0; // int64, the producer writes 0
export const BATCH_LENGTH_OFFSET = 8; // int32, bytes after this field
export const PARTITION_LEADER_EPOCH_OFFSET = 12; // int32, the producer writes -1
export const MAGIC_OFFSET = 16; // int8, 2
export const CRC_OFFSET = 17; // uint32
export const ATTRIBUTES_OFFSET = 21; // int16
export const LAST_OFFSET_DELTA_OFFSET = 23; // int32
export const BASE_TIMESTAMP_OFFSET = 27; // int64
export const MAX_TIMESTAMP_OFFSET = 35; // int64
export const PRODUCER_ID_OFFSET = 43; // int64
export const PRODUCER_EPOCH_OFFSET = 51; // int16
export const BASE_SEQUENCE_OFFSET = 53; // int32
export const RECORDS_COUNT_OFFSET = 57; // int32
export const RECORDS_OFFSET = 61;
export const RECORD_BATCH_OVERHEAD = RECORDS_OFFSET;
/** Bytes before BATCH_LENGTH's coverage starts (baseOffset + batchLength). */
export const LOG_OVERHEAD = 12;

export const MAGIC_V2 = 2;
export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;

// attributes bits
export const COMPRESSION_CODEC_MASK = 0x07;
export const TIMESTAMP_TYPE_MASK = 0x08; // 0 = CreateTime, 1 = LogAppendTime
export const TRANSACTIONAL_FLAG_MASK = 0x10;
export const CONTROL_FLAG_MASK = 0x20;
export const DELETE_HORIZON_FLAG_MASK = 0x40;

/** Upper bound on the bytes of a record's fixed part: length varint, attributes, deltas. */
export const MAX_RECORD_OVERHEAD = 5 + 1 + 10 + 5;
