// A custom partitioner that throws (profile 'partitioner'; the model and the checks are in
// model.ts, what they mean in the header of ../liveness.test.ts).
//
// The partitioner throws for one to three keys; often the first sends wait for metadata, so it
// runs for them when metadata arrives, from the producer's I/O side rather than inside send().
// Only those records fail: the record's callback gets the error or a typed wrapper of it
// (send() does not throw it, where Java's send() does). No other record stalls behind them, flush()
// resolves, nothing is thrown out of a producer timer, and no promise rejection goes
// unhandled (Jest fails the test on one; the error names the seed and the record).
import { runProfile, seedList, timeoutFor } from './model';

const seeds = seedList(1 / 4);

test(`profile partitioner: ${seeds.length} seeds: a throwing partitioner fails only its records`, () => runProfile('partitioner', seeds), timeoutFor(seeds.length));
