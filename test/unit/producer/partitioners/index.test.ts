/**
 * partitionerFor: the `partitioner` option's names, and a custom instance passed through.
 */
import {
  ConsistentPartitioner,
  ConsistentRandomPartitioner,
  LegacyPartitioner,
  Murmur2Partitioner,
  Murmur2RandomPartitioner,
  RoundRobinPartitioner,
  partitionerFor,
  type Partitioner,
  type PartitionerName,
} from '../../../../src/producer/partitioners';

describe('partitionerFor', () => {
  test("'default' means no partitioner: the accumulator's murmur2 and built-in sticky choice", () => {
    expect(partitionerFor('default')).toBeNull();
  });

  test.each<[PartitionerName, new () => Partitioner]>([
    ['round-robin', RoundRobinPartitioner],
    ['consistent_random', ConsistentRandomPartitioner],
    ['consistent', ConsistentPartitioner],
    ['murmur2_random', Murmur2RandomPartitioner],
    ['murmur2', Murmur2Partitioner],
    ['legacy', LegacyPartitioner],
  ])("'%s' gives a new %p each time", (name, type) => {
    const first = partitionerFor(name);
    expect(first).toBeInstanceOf(type);
    expect(partitionerFor(name)).not.toBe(first);
  });

  test('passes a custom partitioner through as it is', () => {
    const custom: Partitioner = { partition: () => 0 };
    expect(partitionerFor(custom)).toBe(custom);
  });

  test('refuses an unknown name', () => {
    expect(() => partitionerFor('sticky' as PartitionerName)).toThrow(RangeError);
  });
});
