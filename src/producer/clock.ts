// The clock moved to net (both layers use it); kept so existing producer imports still resolve.
export type { Clock, TimerHandle } from '../net/clock';
export { systemClock } from '../net/clock';
