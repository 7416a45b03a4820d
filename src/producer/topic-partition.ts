/**
 * The one key of a topic-partition in the producer's maps and sets. NUL cannot occur in a
 * topic name (legal names are [a-zA-Z0-9._-]), so the key is unambiguous.
 */
export function topicPartitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
