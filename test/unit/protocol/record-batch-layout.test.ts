// The builder writes the batch header field by field and the reader reads it the same way;
// this pins both to the offsets of record-batch-layout.ts (Kafka's DefaultRecordBatch), so
// the constants the rest of the code uses (CRC and producer-state rewrites) cannot drift
// from what is written.
import * as L from '../../../src/protocol/records/record-batch-layout';
import { RecordBatchBuilder, rewriteProducerState } from '../../../src/protocol/records/record-batch-builder';
import { decodeRecordBatches } from '../../../src/protocol/records/record-batch-reader';
import { crc32c } from '../../../src/protocol/crc32c';

test('every header field sits at its layout offset', () => {
  const b = new RecordBatchBuilder(64, { compression: 0 });
  b.setProducerState(0x0102030405, 7, 1234);
  b.append(1_700_000_000_000, Buffer.from('k'), Buffer.from('v1'), []);
  b.append(1_700_000_000_050, null, Buffer.from('v2'), []);
  const batch = b.close();
  expect(batch.readBigInt64BE(L.BASE_OFFSET_OFFSET)).toBe(0n);
  expect(batch.readInt32BE(L.BATCH_LENGTH_OFFSET)).toBe(batch.length - L.LOG_OVERHEAD);
  expect(batch.readInt32BE(L.PARTITION_LEADER_EPOCH_OFFSET)).toBe(L.NO_PARTITION_LEADER_EPOCH);
  expect(batch.readInt8(L.MAGIC_OFFSET)).toBe(L.MAGIC_V2);
  expect(batch.readUInt32BE(L.CRC_OFFSET)).toBe(crc32c(batch, L.ATTRIBUTES_OFFSET, batch.length));
  expect(batch.readInt16BE(L.ATTRIBUTES_OFFSET) & (L.COMPRESSION_CODEC_MASK | L.TIMESTAMP_TYPE_MASK | L.CONTROL_FLAG_MASK)).toBe(0);
  expect(batch.readInt32BE(L.LAST_OFFSET_DELTA_OFFSET)).toBe(1);
  expect(batch.readBigInt64BE(L.BASE_TIMESTAMP_OFFSET)).toBe(1_700_000_000_000n);
  expect(batch.readBigInt64BE(L.MAX_TIMESTAMP_OFFSET)).toBe(1_700_000_000_050n);
  expect(batch.readBigInt64BE(L.PRODUCER_ID_OFFSET)).toBe(0x0102030405n);
  expect(batch.readInt16BE(L.PRODUCER_EPOCH_OFFSET)).toBe(7);
  expect(batch.readInt32BE(L.BASE_SEQUENCE_OFFSET)).toBe(1234);
  expect(batch.readInt32BE(L.RECORDS_COUNT_OFFSET)).toBe(2);

  rewriteProducerState(batch, 99, 3, 0);
  expect(batch.readBigInt64BE(L.PRODUCER_ID_OFFSET)).toBe(99n);
  expect(batch.readInt16BE(L.PRODUCER_EPOCH_OFFSET)).toBe(3);
  expect(batch.readInt32BE(L.BASE_SEQUENCE_OFFSET)).toBe(0);
  const [decoded] = decodeRecordBatches(batch);
  expect(decoded.crcValid).toBe(true);
  expect(decoded.producerId).toBe(99);
});
