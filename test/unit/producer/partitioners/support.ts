/**
 * Helpers for the partitioner tests: a fixed cluster view, repeatable random sources, and the
 * peer-client vector files in test/golden/partitioners-peers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PartitionerCluster, RandomInt } from '../../../../src/producer/partitioners';

export const PEERS_DIR = path.join(__dirname, '..', '..', '..', 'golden', 'partitioners-peers');

/** A TSV file from the peers folder: header cells and rows of cells. */
export function readTsv(relativePath: string): { header: string[]; rows: string[][] } {
  const lines = fs.readFileSync(path.join(PEERS_DIR, relativePath), 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return { header: lines[0].split('\t'), rows: lines.slice(1).map((line) => line.split('\t')) };
}

/** One topic's metadata: `count` partitions, of which `available` (default: all) have a leader. */
export function clusterOf(count: number, available?: readonly number[]): PartitionerCluster {
  const led = available ?? Array.from({ length: count }, (_, i) => i);
  return {
    partitionCountFor: () => count,
    availablePartitionsFor: () => led,
  };
}

/** Per-topic metadata, for partitioners that keep state per topic. */
export function clusterOfTopics(topics: Record<string, { count: number; available?: number[] }>): PartitionerCluster {
  const of = (topic: string) => {
    const t = topics[topic];
    if (t === undefined) throw new Error(`no topic ${topic}`);
    return t;
  };
  return {
    partitionCountFor: (topic) => of(topic).count,
    availablePartitionsFor: (topic) => of(topic).available ?? Array.from({ length: of(topic).count }, (_, i) => i),
  };
}

/** 0, 1, 2, ...: the sequential source the Java tests mock the random number generator with. */
export function sequentialRandom(start = 0): RandomInt & { readonly calls: () => number } {
  let next = start;
  let calls = 0;
  const random = () => {
    calls++;
    return next++;
  };
  return Object.assign(random, { calls: () => calls });
}

/** A seeded int32 source (mulberry32). */
export function seededRandom(seed: number): RandomInt {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return t ^ (t >>> 14);
  };
}

/** A source that fails the test if drawn from. */
export const noRandom: RandomInt = () => {
  throw new Error('drew a random number where the choice should be deterministic');
};
