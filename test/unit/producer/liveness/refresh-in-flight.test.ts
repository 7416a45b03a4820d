// Metadata refreshes between a Produce request and its answer (profile 'refresh'; the model and
// the checks are in model.ts, what they mean in the header of ../liveness.test.ts).
//
// metadata.max.age.ms is 0.2-2 s and Produce answers are often held, so refreshes land while
// requests are in flight; for a while Metadata answers LEADER_NOT_AVAILABLE for the whole
// topic, which drops it from the producer's metadata, while its leaders still serve Produce.
// A v13 answer names the topic only by id: the producer must match it to the batches it sent
// (Java keeps the request's own topic names), complete a written batch with its offset, and
// not send it again (no duplicate, no -1 offset).
import { runProfile, seedList, timeoutFor } from './model';

const seeds = seedList(1 / 4);

test(`profile refresh: ${seeds.length} seeds: a batch answered while its topic left the metadata is completed, not retried`, () => runProfile('refresh', seeds), timeoutFor(seeds.length));
