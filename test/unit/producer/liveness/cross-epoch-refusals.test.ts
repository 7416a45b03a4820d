// Records refused for good across epoch bumps (profile 'refusals'; the model and the checks are
// in model.ts, what they mean in the header of ../liveness.test.ts).
//
// Several partitions share a broker, batches are small and answers are held, so a partition P
// has batches in flight under epoch E when another partition's refused batch makes the
// producer bump to E+1; then P's batch k is refused for good (INVALID_RECORD with record
// errors, INVALID_TIMESTAMP, or a single record above max.message.bytes). As Java's
// TransactionManager.handleFailedBatch does, the refusal must bump the epoch for P whatever
// epoch batch k carried, and P's later batches are renumbered from 0 and delivered. Only the
// records of refused batches may fail. The broker model answers a wrong renumbering with
// OUT_OF_ORDER_SEQUENCE_NUMBER for ever, as Kafka does, so a producer that skips it stalls
// until delivery.timeout.ms.
import { runProfile, seedList, timeoutFor } from './model';

const seeds = seedList(1 / 4);

test(`profile refusals: ${seeds.length} seeds: only refused records fail; the rest is renumbered and delivered`, () => runProfile('refusals', seeds), timeoutFor(seeds.length));
