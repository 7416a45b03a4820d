#!/usr/bin/env node
/*
 * Writes kafkajs.tsv and kafkajs-null-keys.tsv beside this file from KafkaJS's own partitioners
 * (Partitioners.LegacyPartitioner and Partitioners.DefaultPartitioner) and its two murmur2
 * modules. KafkaJS is not a dependency of kafka-wire: install it into a scratch folder and run
 * this script from there (see ../README.md):
 *
 *   cd "$(mktemp -d)" && npm init -y >/dev/null && npm install kafkajs@2.2.4
 *   node <kafka-wire>/test/golden/partitioners-peers/kafkajs/generate.js
 *
 * Deterministic: keys come from a fixed-seed xorshift64* (the same sequence as the librdkafka
 * generator), and the random uint32 KafkaJS draws to start each topic's null-key counter comes
 * from a stand-in for globalThis.crypto installed before KafkaJS loads, so each scenario states
 * its start value.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const EXPECTED_VERSION = '2.2.4';
const COUNTS = [1, 2, 3, 6, 10, 12, 100];
const BUFFER_KEY_COUNT = 2000;
const STRING_KEY_COUNT = 500;
const MAX_KEY_LEN = 40;
const ASCII_KEYS = ['21', 'foobar', 'a-little-bit-long-string', 'key', 'kafka', '123456789'];

// KafkaJS reads 32 random bytes and takes the first four, big-endian, as the counter's start.
// This stand-in hands out queued start values (0 when the queue is empty).
const startValues = [];
Object.defineProperty(globalThis, 'crypto', {
  configurable: true,
  writable: true,
  value: {
    getRandomValues(buf) {
      buf.fill(0);
      buf.writeUInt32BE(startValues.length > 0 ? startValues.shift() : 0, 0);
      return buf;
    },
  },
});

const fromScratch = (id) => require(require.resolve(id, { paths: [process.cwd()] }));
const version = fromScratch('kafkajs/package.json').version;
if (version !== EXPECTED_VERSION) {
  console.error(`kafkajs ${version} found; these vectors are for ${EXPECTED_VERSION}`);
  process.exit(1);
}
const { Partitioners } = fromScratch('kafkajs');
const legacyMurmur2 = fromScratch('kafkajs/src/producer/partitioners/legacy/murmur2');
const defaultMurmur2 = fromScratch('kafkajs/src/producer/partitioners/default/murmur2');

// xorshift64*, as partitioners.c in ../librdkafka.
let rngState = 0x6b61666b61776972n;
const MASK64 = (1n << 64n) - 1n;
function nextU32() {
  rngState ^= rngState >> 12n;
  rngState = (rngState ^ (rngState << 25n)) & MASK64;
  rngState ^= rngState >> 27n;
  return Number(((rngState * 0x2545f4914f6cdd1dn) & MASK64) >> 32n);
}

// Code points of every UTF-8 length: ASCII, Latin-1, CJK, and astral (surrogate pairs in JS).
const CODE_POINT_RANGES = [
  [0x20, 0x7e],
  [0xa0, 0x17f],
  [0x4e00, 0x9fff],
  [0x1f300, 0x1f64f],
];
function randomString() {
  const length = nextU32() % 21;
  let s = '';
  for (let i = 0; i < length; i++) {
    const [lo, hi] = CODE_POINT_RANGES[nextU32() % CODE_POINT_RANGES.length];
    s += String.fromCodePoint(lo + (nextU32() % (hi - lo + 1)));
  }
  return s;
}

const partitionMetadata = (count, available) =>
  Array.from({ length: count }, (_, partitionId) => ({
    partitionId,
    leader: available.includes(partitionId) ? 0 : -1,
  }));
const allOf = (count) => Array.from({ length: count }, (_, i) => i);

// One partitioner per partition count, all partitions led.
const metadataByCount = new Map(COUNTS.map((n) => [n, partitionMetadata(n, allOf(n))]));
const legacy = Partitioners.LegacyPartitioner();
const dflt = Partitioners.DefaultPartitioner();

// kafkajs.tsv: keyed records.
const header = ['key_kind', 'key_hex', 'legacy_murmur2', 'default_murmur2'];
for (const name of ['legacy', 'default']) for (const n of COUNTS) header.push(`${name}/${n}`);
const rows = [header.join('\t')];

function keyedRow(kind, key) {
  const bytes = Buffer.isBuffer(key) ? key : Buffer.from(key, 'utf8');
  const cells = [kind, bytes.toString('hex'), legacyMurmur2(key), defaultMurmur2(key)];
  for (const partitioner of [legacy, dflt]) {
    for (const n of COUNTS) {
      cells.push(partitioner({ topic: 'keyed', partitionMetadata: metadataByCount.get(n), message: { key } }));
    }
  }
  rows.push(cells.join('\t'));
}

keyedRow('buffer', Buffer.alloc(0));
keyedRow('string', '');
for (const s of ASCII_KEYS) keyedRow('string', s);
for (let k = 0; k < BUFFER_KEY_COUNT; k++) {
  const length = nextU32() % (MAX_KEY_LEN + 1);
  const key = Buffer.alloc(length);
  for (let i = 0; i < length; i++) key[i] = nextU32() >>> 24;
  keyedRow('buffer', key);
}
for (let k = 0; k < STRING_KEY_COUNT; k++) keyedRow('string', randomString());
fs.writeFileSync(path.join(__dirname, 'kafkajs.tsv'), rows.join('\n') + '\n');

// kafkajs-null-keys.tsv: sequences of records on a fresh partitioner, mostly keyless, every
// fifth keyed (a keyed record must not move the counter).
const START_VALUES = [0, 1, 0x7ffffffe, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
for (let i = 0; i < 3; i++) START_VALUES.push(nextU32());
const LAYOUTS = [
  [1, [0]],
  [3, [0, 1, 2]],
  [3, [0, 2]],
  [6, [1, 4, 5]],
  [6, [3]],
  [10, []],
  [12, allOf(12)],
];
const CALLS = 25;
const KEY = Buffer.from('key');
const nullRows = [['partitioner', 'start_counter', 'partition_count', 'available', 'calls', 'picks'].join('\t')];
for (const [name, factory] of [
  ['legacy', Partitioners.LegacyPartitioner],
  ['default', Partitioners.DefaultPartitioner],
]) {
  for (const start of START_VALUES) {
    for (const [count, available] of LAYOUTS) {
      const partitioner = factory();
      const metadata = partitionMetadata(count, available);
      startValues.length = 0;
      startValues.push(start);
      const calls = [];
      const picks = [];
      for (let i = 0; i < CALLS; i++) {
        const key = i % 5 === 4 ? KEY : null;
        calls.push(key === null ? 'null' : key.toString('hex'));
        picks.push(partitioner({ topic: 'keyless', partitionMetadata: metadata, message: { key } }));
      }
      nullRows.push(
        [name, start, count, available.length > 0 ? available.join(',') : '-', calls.join(','), picks.join(',')].join(
          '\t',
        ),
      );
    }
  }
}
fs.writeFileSync(path.join(__dirname, 'kafkajs-null-keys.tsv'), nullRows.join('\n') + '\n');

console.log(`kafkajs ${version}: ${rows.length - 1} keyed rows, ${nullRows.length - 1} null-key scenarios`);
