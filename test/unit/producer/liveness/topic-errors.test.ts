// Topic-level errors that retrying cannot fix (profile 'topic-errors'; the model and the checks
// are in model.ts, what they mean in the header of ../liveness.test.ts).
//
// Metadata answers TOPIC_AUTHORIZATION_FAILED for the topic for a while (and Produce is refused
// with it), and some records name partition 5 of a topic that has one partition, with
// max.block.ms of 3-6 s. Records sent or waiting while the topic is not authorized may fail
// with TopicAuthorizationError; the records for partition 5 fail with TimeoutError after
// max.block.ms (Java: "Partition 5 of topic narrow with partition count 1 is not present in
// metadata"); every other record is delivered. Meanwhile Metadata requests keep Java's
// backoff: an error answer is no reason to ask again at once.
import { runProfile, seedList, timeoutFor } from './model';

const seeds = seedList(1 / 4);

test(`profile topic-errors: ${seeds.length} seeds: authorization failures and a partition beyond the count fail typed, without a storm`, () => runProfile('topic-errors', seeds), timeoutFor(seeds.length));
