// Topics expiring for idleness during an outage (profile 'idle'; the model and the checks are in
// model.ts, what they mean in the header of ../liveness.test.ts).
//
// metadata.max.idle.ms is 5-8 s; the sends end early, and then the topic's leaders are gone
// (Metadata lists them as -1, Produce is refused) or no broker can be reached, for longer than
// metadata.max.idle.ms after the last send, while batches wait. Java keeps such a topic: its
// Sender adds every topic with a partition of unknown leader back to the metadata (with a
// fresh idle deadline) before asking for an update. When the leaders are back, every record
// must be delivered, and during the outage Metadata requests must keep Java's backoff.
import { runProfile, seedList, timeoutFor } from './model';

const seeds = seedList(1 / 4);

test(`profile idle: ${seeds.length} seeds: an outage longer than metadata.max.idle.ms loses no record and does not storm`, () => runProfile('idle', seeds), timeoutFor(seeds.length));
