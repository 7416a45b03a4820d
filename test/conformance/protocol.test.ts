/**
 * The protocol layer against a real Apache Kafka broker: ApiVersions, Metadata,
 * InitProducerId, and Produce of hand-built record batches at every Produce version the
 * broker offers, with acks 0, 1 and all. The independent Java verifier then reads the topic
 * back and every record must match what we wrote, byte for byte, at the offsets the broker
 * reported.
 */
import { Connection } from '../../src/net/connection';
import { INIT_PRODUCER_ID_API, METADATA_API, PRODUCE_API } from '../../src/protocol/api-keys';
import { decodeInitProducerIdResponse, encodeInitProducerIdRequest } from '../../src/protocol/messages/init-producer-id';
import { decodeMetadataResponse, encodeMetadataRequest, MetadataResponse } from '../../src/protocol/messages/metadata';
import { decodeProduceResponse, DetachedRecords, encodeProduceRequest, ProduceResponse } from '../../src/protocol/messages/produce';
import { RecordBatchBuilder } from '../../src/protocol/records/record-batch-builder';
import { uniqueTopic, Verifier } from '../support/verifier';

const bootstrap = process.env.KAFKA_BOOTSTRAP!;
const [host, portText] = bootstrap.split(',')[0].split(':');

interface SentRecord {
  partition: number;
  offset: number | null; // null for acks=0 (no response)
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: { key: string; value: Buffer | null }[];
}

let verifier: Verifier;
let conn: Connection;
const topic = uniqueTopic('protocol-conformance');
const PARTITIONS = 3;

beforeAll(async () => {
  verifier = await Verifier.start(bootstrap);
  await verifier.createTopic(topic, PARTITIONS);
  // acks=0 batches get no answer: make sure every partition already acts as leader.
  await verifier.endOffsets(topic);
  conn = new Connection({ host, port: Number(portText), clientId: 'kafka-wire-conformance' });
  await conn.connect();
});

afterAll(async () => {
  conn?.close();
  await verifier?.close();
});

function metadata(version?: number): Promise<MetadataResponse> {
  const req = { topics: [{ name: topic }], allowAutoTopicCreation: false };
  if (version === undefined) return conn.request(METADATA_API, (w, v) => encodeMetadataRequest(w, v, req), decodeMetadataResponse);
  return conn.send(METADATA_API, version, (w) => encodeMetadataRequest(w, version, req), decodeMetadataResponse);
}

function initProducerId() {
  return conn.request(
    INIT_PRODUCER_ID_API,
    (w, v) => encodeInitProducerIdRequest(w, v, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 }),
    decodeInitProducerIdResponse,
  );
}

test('ApiVersions: the broker offers every API we need in a range we speak', () => {
  for (const api of [PRODUCE_API, METADATA_API, INIT_PRODUCER_ID_API]) {
    const v = conn.versionFor(api);
    expect(v).toBeGreaterThanOrEqual(api.minVersion);
    expect(v).toBeLessThanOrEqual(api.maxVersion);
  }
  expect(conn.apiVersionsResponse!.errorCode).toBe(0);
});

test('Metadata at every version both sides speak describes the created topic', async () => {
  const range = conn.apiVersions.get(METADATA_API.apiKey)!;
  const from = Math.max(METADATA_API.minVersion, range.minVersion);
  const to = Math.min(METADATA_API.maxVersion, range.maxVersion);
  for (let v = from; v <= to; v++) {
    const md = await metadata(v);
    expect(md.brokers.length).toBeGreaterThanOrEqual(1);
    const t = md.topics.find((x) => x.name === topic)!;
    expect([v, t.errorCode]).toEqual([v, 0]);
    expect(t.partitions.map((p) => p.partitionIndex).sort()).toEqual([0, 1, 2]);
    for (const p of t.partitions) expect(md.brokers.map((b) => b.nodeId)).toContain(p.leaderId);
    if (v >= 10) expect(t.topicId).not.toBe('AAAAAAAAAAAAAAAAAAAAAA');
  }
});

test('Produce at every offered version with acks 0, 1 and all; the Java consumer reads back exactly what was sent', async () => {
  const md = await metadata();
  const topicId = md.topics.find((t) => t.name === topic)!.topicId;
  // Right after broker start the producer-id machinery may still be loading
  // (COORDINATOR_LOAD_IN_PROGRESS, retriable): retry as a client must.
  let pid = await initProducerId();
  for (let i = 0; i < 50 && pid.errorCode === 14; i++) {
    await new Promise((r) => setTimeout(r, 200));
    pid = await initProducerId();
  }
  expect(pid.errorCode).toBe(0);
  expect(pid.producerId).toBeGreaterThanOrEqual(0);

  const range = conn.apiVersions.get(PRODUCE_API.apiKey)!;
  const from = Math.max(PRODUCE_API.minVersion, range.minVersion);
  const to = Math.min(PRODUCE_API.maxVersion, range.maxVersion);
  expect(to).toBeGreaterThanOrEqual(from);

  const sent: SentRecord[] = [];
  const sequences = new Map<number, number>();
  let n = 0;
  const baseTs = 1_700_000_000_000;
  for (let version = from; version <= to; version++) {
    for (const acks of [0, 1, -1]) {
      const partition = n % PARTITIONS;
      // acks=0 and acks=1 use plain batches; acks=all uses the idempotent producer id.
      const idempotent = acks === -1;
      const seq = sequences.get(partition) ?? 0;
      const builder = new RecordBatchBuilder(1024, idempotent ? { producerId: pid.producerId, producerEpoch: pid.producerEpoch, baseSequence: seq } : {});
      const batchRecords: SentRecord[] = [];
      const shapes: Omit<SentRecord, 'partition' | 'offset'>[] = [
        { timestamp: baseTs + n * 10, key: Buffer.from(`key-${n}`), value: Buffer.from(`value v${version} acks${acks}`), headers: [] },
        { timestamp: baseTs + n * 10 - 3, key: null, value: Buffer.from('null key'), headers: [{ key: 'h1', value: Buffer.from([0, 1, 2]) }] },
        { timestamp: baseTs + n * 10 + 7, key: Buffer.from('tombstone'), value: null, headers: [{ key: 'nul', value: null }, { key: 'ü', value: Buffer.alloc(0) }] },
        { timestamp: baseTs + n * 10 + 1, key: Buffer.alloc(0), value: Buffer.alloc(0), headers: [] },
      ];
      for (const s of shapes) {
        builder.append(s.timestamp, s.key, s.value, s.headers);
        batchRecords.push({ ...s, partition, offset: null });
      }
      const records = builder.close();
      if (idempotent) sequences.set(partition, seq + shapes.length);
      const detached: DetachedRecords = { positions: [], records: [] };
      const req = {
        transactionalId: null,
        acks,
        timeoutMs: 30000,
        topicData: [{ name: topic, topicId, partitionData: [{ index: partition, records }] }],
      };
      const res = await conn.send<ProduceResponse>(
        PRODUCE_API,
        version,
        (w) => encodeProduceRequest(w, version, req, detached),
        decodeProduceResponse,
        { detached, expectResponse: acks !== 0 },
      );
      if (acks !== 0) {
        expect(res.responses).toHaveLength(1);
        const p = res.responses[0].partitionResponses[0];
        expect([version, acks, p.errorCode, p.errorMessage]).toEqual([version, acks, 0, null]);
        expect(p.index).toBe(partition);
        batchRecords.forEach((r, i) => (r.offset = p.baseOffset + i));
      }
      sent.push(...batchRecords);
      n++;
    }
  }

  const { records } = await verifier.consume(topic, { expected: sent.length, timeoutMs: 60000 });
  expect(records).toHaveLength(sent.length);
  // Match each sent record to the log: by offset where the broker told us, else by content.
  const hex = (b: Buffer | null) => (b === null ? null : b.toString('hex'));
  const asLog = (r: SentRecord) => ({
    partition: r.partition,
    timestamp: r.timestamp,
    timestampType: 'CreateTime',
    key: hex(r.key),
    value: hex(r.value),
    headers: r.headers.map((h) => ({ key: h.key, value: hex(h.value) })),
  });
  const logged = records.map((r) => ({
    offset: r.offset,
    record: { partition: r.partition, timestamp: r.timestamp, timestampType: r.timestampType, key: r.key, value: r.value, headers: r.headers },
  }));
  for (const s of sent) {
    const want = asLog(s);
    const hit = s.offset !== null
      ? logged.find((l) => l.record.partition === s.partition && l.offset === s.offset)
      : logged.find((l) => JSON.stringify(l.record) === JSON.stringify(want));
    expect(hit?.record).toEqual(want);
  }
});

test('an acks=all Produce to a partition that does not exist gets a per-partition error, not a broken connection', async () => {
  const version = conn.versionFor(PRODUCE_API);
  const md = await metadata();
  const topicId = md.topics.find((t) => t.name === topic)!.topicId;
  const b = new RecordBatchBuilder(256);
  b.append(Date.now(), null, Buffer.from('x'));
  const res = await conn.send<ProduceResponse>(
    PRODUCE_API,
    version,
    (w) => encodeProduceRequest(w, version, { transactionalId: null, acks: -1, timeoutMs: 30000, topicData: [{ name: topic, topicId, partitionData: [{ index: 99, records: b.close() }] }] }),
    decodeProduceResponse,
  );
  expect(res.responses[0].partitionResponses[0].errorCode).toBe(3); // UNKNOWN_TOPIC_OR_PARTITION
  expect(conn.state).toBe('ready');
});
