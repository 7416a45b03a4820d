/**
 * Records responses of a REAL Apache Kafka broker, as seeds for the decoder fuzz test
 * (test/unit/protocol/decoder-fuzz.test.ts): ApiVersions, Metadata, InitProducerId and
 * Produce, at every version both this client and the broker speak, including error answers
 * (unknown topic, unknown partition, a batch over the topic's max.message.bytes).
 *
 *   npx tsx test/golden/recorded/record.ts                      Kafka 4.1.1 (the default)
 *   KAFKA_VERSION=3.9.1 npx tsx test/golden/recorded/record.ts
 *
 * Starts a local broker with the test harness and writes, for each response, its body (after
 * the response header, as the decoders read it) to `kafka-<version>/<api>-v<N>-<case>.hex`
 * in the golden "diffable hex" format, and `kafka-<version>/index.json` listing them. A rerun
 * replaces that version's folder. Responses carry broker-made values (ids, ports, offsets,
 * throttle times), so the files change from run to run; what matters is that they are real.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Connection } from '../../../src/net/connection';
import { API_VERSIONS_API, ApiSpec, INIT_PRODUCER_ID_API, METADATA_API, PRODUCE_API } from '../../../src/protocol/api-keys';
import { decodeApiVersionsResponse, encodeApiVersionsRequest } from '../../../src/protocol/messages/api-versions';
import { decodeInitProducerIdResponse, encodeInitProducerIdRequest } from '../../../src/protocol/messages/init-producer-id';
import { decodeMetadataResponse, encodeMetadataRequest, MetadataResponse } from '../../../src/protocol/messages/metadata';
import { decodeProduceResponse, encodeProduceRequest } from '../../../src/protocol/messages/produce';
import type { Reader } from '../../../src/protocol/reader';
import { RecordBatchBuilder } from '../../../src/protocol/records/record-batch-builder';
import type { Writer } from '../../../src/protocol/writer';
import { startCluster } from '../../support/kafka-cluster';

export interface RecordedEntry {
  file: string;
  api: 'api-versions' | 'metadata' | 'init-producer-id' | 'produce';
  apiKey: number;
  version: number;
  case: string;
}

const DIR = __dirname;

function toDiffableHex(b: Buffer): string {
  const hex = b.toString('hex');
  let out = '';
  for (let i = 0; i < hex.length; i += 64) out += `${hex.slice(i, i + 64)}\n`;
  return out;
}

function batch(values: Buffer[]): Buffer {
  const b = new RecordBatchBuilder(Buffer.alloc(64 + values.reduce((n, v) => n + v.length + 32, 0)), { compression: 0 });
  const ts = Date.now();
  for (const v of values) b.append(ts, Buffer.from('key'), v, null, 1);
  return b.close();
}

async function main(): Promise<void> {
  const cluster = await startCluster({
    local: true,
    brokerConfig: { 'auto.create.topics.enable': 'true', 'num.partitions': '3' },
    log: (l) => console.log(`[broker] ${l}`),
  });
  const out = path.join(DIR, `kafka-${cluster.version}`);
  const entries: RecordedEntry[] = [];
  const b = cluster.brokers[0] ?? { host: cluster.bootstrap.split(':')[0], port: Number(cluster.bootstrap.split(':')[1]) };
  const conn = new Connection({ host: b.host, port: b.port, clientId: 'kafka-wire-recorder', requestTimeoutMs: 30_000 });
  try {
    await conn.connect();
    fs.rmSync(out, { recursive: true, force: true });
    fs.mkdirSync(out, { recursive: true });

    /** Sends one request at `version` and keeps the response body. */
    async function record<T>(api: ApiSpec, dir: RecordedEntry['api'], version: number, label: string, encode: (w: Writer) => void, decode: (r: Reader, v: number) => T): Promise<T> {
      let body: Buffer | null = null;
      const value = await conn.send(api, version, encode, (r: Reader, v: number) => {
        body = Buffer.from(r.buf.subarray(r.offset, r.end));
        return decode(r, v);
      });
      const file = `${dir}-v${version}-${label}.hex`;
      fs.writeFileSync(path.join(out, file), toDiffableHex(body!));
      entries.push({ file, api: dir, apiKey: api.apiKey, version, case: label });
      return value;
    }
    const versionsOf = (api: ApiSpec): number[] => {
      const theirs = conn.apiVersions.get(api.apiKey);
      const from = Math.max(api.minVersion, theirs?.minVersion ?? Infinity);
      const to = Math.min(api.maxVersion, theirs?.maxVersion ?? -1);
      return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
    };

    // ApiVersions, every version (the broker answers v0 layout to a version it does not speak).
    for (let v = API_VERSIONS_API.minVersion; v <= API_VERSIONS_API.maxVersion; v++) {
      await record(API_VERSIONS_API, 'api-versions', v, 'ok', (w) => encodeApiVersionsRequest(w, v, { clientSoftwareName: 'kafka-wire', clientSoftwareVersion: '0.1.0' }), decodeApiVersionsResponse);
    }

    // Metadata: a topic created on request (3 partitions), then known, all topics, an unknown one with creation off.
    const topic = `recorded-${Date.now().toString(36)}`;
    let md: MetadataResponse | null = null;
    for (let i = 0; i < 100; i++) {
      md = await conn.request(METADATA_API, (w, v) => encodeMetadataRequest(w, v, { topics: [{ name: topic }], allowAutoTopicCreation: true }), decodeMetadataResponse);
      if (md.topics.every((t) => t.errorCode === 0 && t.partitions.length > 0 && t.partitions.every((p) => p.leaderId >= 0))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const topicId = md!.topics.find((t) => t.name === topic)!.topicId;
    for (const v of versionsOf(METADATA_API)) {
      await record(METADATA_API, 'metadata', v, 'topics', (w) => encodeMetadataRequest(w, v, { topics: [{ name: topic }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: v >= 8 }), decodeMetadataResponse);
      await record(METADATA_API, 'metadata', v, 'all-topics', (w) => encodeMetadataRequest(w, v, { topics: null, allowAutoTopicCreation: false }), decodeMetadataResponse);
      if (v >= 4) {
        await record(METADATA_API, 'metadata', v, 'unknown-topic', (w) => encodeMetadataRequest(w, v, { topics: [{ name: `${topic}-missing` }], allowAutoTopicCreation: false }), decodeMetadataResponse);
      }
    }

    // InitProducerId (idempotent: no transactional id).
    for (const v of versionsOf(INIT_PRODUCER_ID_API)) {
      await record(INIT_PRODUCER_ID_API, 'init-producer-id', v, 'ok', (w) => encodeInitProducerIdRequest(w, v, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 }), decodeInitProducerIdResponse);
    }

    // Produce: three partitions written; an unknown partition; a batch over the broker's
    // default message.max.bytes (~1 MiB).
    const value = (n: number) => Buffer.alloc(n, 0x61);
    for (const v of versionsOf(PRODUCE_API)) {
      const data = (parts: { index: number; records: Buffer }[]) => [{ name: topic, topicId, partitionData: parts }];
      await record(
        PRODUCE_API,
        'produce',
        v,
        'ok-3-partitions',
        (w) => encodeProduceRequest(w, v, { transactionalId: null, acks: -1, timeoutMs: 10_000, topicData: data([0, 1, 2].map((index) => ({ index, records: batch([value(10), value(20)]) }))) }),
        decodeProduceResponse,
      );
      await record(
        PRODUCE_API,
        'produce',
        v,
        'unknown-partition',
        (w) => encodeProduceRequest(w, v, { transactionalId: null, acks: -1, timeoutMs: 10_000, topicData: data([{ index: 0, records: batch([value(5)]) }, { index: 99, records: batch([value(5)]) }]) }),
        decodeProduceResponse,
      );
      await record(
        PRODUCE_API,
        'produce',
        v,
        'message-too-large',
        (w) => encodeProduceRequest(w, v, { transactionalId: null, acks: 1, timeoutMs: 10_000, topicData: data([{ index: 1, records: batch([value(1_100_000)]) }]) }),
        decodeProduceResponse,
      );
    }

    const index = { kafkaVersion: cluster.version, recordedWith: 'test/golden/recorded/record.ts', entries };
    fs.writeFileSync(path.join(out, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);
    console.log(`recorded ${entries.length} responses from Kafka ${cluster.version} into ${path.relative(process.cwd(), out)}`);
  } finally {
    conn.close();
    await cluster.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
