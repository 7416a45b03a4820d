// BufferPool: buffer.memory accounting, pooled reuse, FIFO waiters bounded by their
// deadlines (Java's BufferPool, with waiting as promises instead of a blocked thread).
import { BufferPool } from '../../../src/producer/buffer-pool';
import { BufferExhaustedError, KafkaError, TimeoutError } from '../../../src/protocol/errors';
import { FakeClock } from '../../support/fake-clock';

const POOLABLE = 1024;

function setup(total = 4 * POOLABLE) {
  const clock = new FakeClock();
  const pool = new BufferPool(total, POOLABLE, clock);
  return { clock, pool };
}

/** Settles a promise's state into an object we can look at synchronously after a tick. */
function observe<T>(p: Promise<T>): { state: 'pending' | 'resolved' | 'rejected'; value?: T; error?: Error } {
  const o: { state: 'pending' | 'resolved' | 'rejected'; value?: T; error?: Error } = { state: 'pending' };
  p.then(
    (v) => {
      o.state = 'resolved';
      o.value = v;
    },
    (e: Error) => {
      o.state = 'rejected';
      o.error = e;
    },
  );
  return o;
}

const flushMicrotasks = () => new Promise<void>((r) => setImmediate(r));

describe('BufferPool allocation', () => {
  test('a batch.size buffer is reused after deallocation (same Buffer object)', () => {
    const { pool } = setup();
    const a = pool.tryAllocate(POOLABLE)!;
    expect(a.length).toBe(POOLABLE);
    expect(pool.availableMemory).toBe(3 * POOLABLE);
    pool.deallocate(a, POOLABLE);
    expect(pool.availableMemory).toBe(4 * POOLABLE);
    const b = pool.tryAllocate(POOLABLE)!;
    expect(b).toBe(a);
    expect(pool.availableMemory).toBe(3 * POOLABLE);
  });

  test('other sizes are allocated fresh and returned as plain bytes', () => {
    const { pool } = setup();
    const a = pool.tryAllocate(100)!;
    expect(a.length).toBe(100);
    expect(pool.availableMemory).toBe(4 * POOLABLE - 100);
    pool.deallocate(a, 100);
    expect(pool.availableMemory).toBe(4 * POOLABLE);
    // Not put on the free list: the next poolable request gets a new buffer.
    const b = pool.tryAllocate(100)!;
    expect(b).not.toBe(a);
  });

  test('pooled buffers on the free list are released to make room for a large request', () => {
    const { pool } = setup(3 * POOLABLE);
    const bufs = [pool.tryAllocate(POOLABLE)!, pool.tryAllocate(POOLABLE)!, pool.tryAllocate(POOLABLE)!];
    expect(pool.tryAllocate(1)).toBeNull();
    for (const b of bufs) pool.deallocate(b, POOLABLE);
    expect(pool.availableMemory).toBe(3 * POOLABLE);
    const big = pool.tryAllocate(2 * POOLABLE + 10)!;
    expect(big.length).toBe(2 * POOLABLE + 10);
    expect(pool.availableMemory).toBe(POOLABLE - 10);
    // What is left is one pooled buffer's worth minus 10: a pooled request no longer fits.
    expect(pool.tryAllocate(POOLABLE)).toBeNull();
    expect(pool.tryAllocate(POOLABLE - 10)).not.toBeNull();
  });

  test('a request larger than buffer.memory is refused at once', () => {
    const { pool } = setup(2 * POOLABLE);
    let err: unknown;
    try {
      pool.tryAllocate(2 * POOLABLE + 1);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KafkaError);
    expect((err as KafkaError).code).toBe('ERR_KAFKA_RECORD_TOO_LARGE');
    expect(pool.tryAllocate(2 * POOLABLE)).not.toBeNull();
  });

  test('tryAllocate yields to queued waiters even when memory would suffice (FIFO fairness)', async () => {
    const { clock, pool } = setup(2 * POOLABLE);
    const held = [pool.tryAllocate(POOLABLE)!, pool.tryAllocate(POOLABLE)!];
    const w = observe(pool.waitFor(2 * POOLABLE, clock.now() + 1000));
    pool.deallocate(held[0], POOLABLE);
    // 1024 bytes are free, but a waiter is queued ahead: a newcomer must not take them.
    expect(pool.tryAllocate(100)).toBeNull();
    pool.deallocate(held[1], POOLABLE);
    await flushMicrotasks();
    expect(w.state).toBe('resolved');
    expect(w.value!.length).toBe(2 * POOLABLE);
    expect(pool.queuedCount).toBe(0);
  });
});

describe('BufferPool waiters', () => {
  test('waiters are served in FIFO order as memory comes back', async () => {
    const { clock, pool } = setup(2 * POOLABLE);
    const held = [pool.tryAllocate(POOLABLE)!, pool.tryAllocate(POOLABLE)!];
    const a = observe(pool.waitFor(POOLABLE, clock.now() + 1000));
    const b = observe(pool.waitFor(POOLABLE, clock.now() + 1000));
    expect(pool.queuedCount).toBe(2);
    await flushMicrotasks();
    expect([a.state, b.state]).toEqual(['pending', 'pending']);
    pool.deallocate(held[0], POOLABLE);
    await flushMicrotasks();
    expect([a.state, b.state]).toEqual(['resolved', 'pending']);
    expect(a.value).toBe(held[0]); // the pooled buffer itself is handed on
    pool.deallocate(held[1], POOLABLE);
    await flushMicrotasks();
    expect(b.state).toBe('resolved');
    expect(pool.queuedCount).toBe(0);
  });

  test('a large head waiter is not starved by a small one behind it', async () => {
    const { clock, pool } = setup(2 * POOLABLE);
    const held = [pool.tryAllocate(POOLABLE)!, pool.tryAllocate(POOLABLE)!];
    const big = observe(pool.waitFor(2 * POOLABLE, clock.now() + 1000));
    const small = observe(pool.waitFor(10, clock.now() + 1000));
    pool.deallocate(held[0], POOLABLE);
    await flushMicrotasks();
    // 1024 free would serve the small one, but the big one is first in line.
    expect([big.state, small.state]).toEqual(['pending', 'pending']);
    pool.deallocate(held[1], POOLABLE);
    await flushMicrotasks();
    expect([big.state, small.state]).toEqual(['resolved', 'pending']);
    pool.deallocate(big.value!, 2 * POOLABLE);
    await flushMicrotasks();
    expect(small.state).toBe('resolved');
  });

  test('a waiter fails with BufferExhaustedError exactly at its deadline', async () => {
    const { clock, pool } = setup(POOLABLE);
    pool.tryAllocate(POOLABLE);
    const w = observe(pool.waitFor(POOLABLE, clock.now() + 500));
    clock.advance(499);
    await flushMicrotasks();
    expect(w.state).toBe('pending');
    clock.advance(1);
    await flushMicrotasks();
    expect(w.state).toBe('rejected');
    expect(w.error).toBeInstanceOf(BufferExhaustedError);
    expect(w.error).toBeInstanceOf(TimeoutError); // as Java's BufferExhaustedException
    expect((w.error as KafkaError).code).toBe('ERR_KAFKA_BUFFER_EXHAUSTED');
    expect(w.error!.message).toMatch(/Failed to allocate 1024 bytes within the configured max blocking time/);
    expect(pool.queuedCount).toBe(0);
    expect(clock.pendingTimers).toHaveLength(0);
  });

  test('deadlines out of queue order: the earlier deadline expires first, the other keeps waiting', async () => {
    const { clock, pool } = setup(POOLABLE);
    const held = pool.tryAllocate(POOLABLE)!;
    const a = observe(pool.waitFor(POOLABLE, clock.now() + 1000));
    const b = observe(pool.waitFor(POOLABLE, clock.now() + 300));
    clock.advance(300);
    await flushMicrotasks();
    expect([a.state, b.state]).toEqual(['pending', 'rejected']);
    pool.deallocate(held, POOLABLE);
    await flushMicrotasks();
    expect(a.state).toBe('resolved');
  });

  test('when the head waiter times out, the next one is served from what is free', async () => {
    const { clock, pool } = setup(2 * POOLABLE);
    const held = [pool.tryAllocate(POOLABLE)!, pool.tryAllocate(POOLABLE)!];
    const big = observe(pool.waitFor(2 * POOLABLE, clock.now() + 100));
    const small = observe(pool.waitFor(POOLABLE, clock.now() + 1000));
    pool.deallocate(held[0], POOLABLE);
    await flushMicrotasks();
    expect(small.state).toBe('pending');
    clock.advance(100);
    await flushMicrotasks();
    expect(big.state).toBe('rejected');
    expect(small.state).toBe('resolved');
  });

  test('close() fails every waiter with the given error, and later requests too', async () => {
    const { clock, pool } = setup(POOLABLE);
    const held = pool.tryAllocate(POOLABLE)!;
    const a = observe(pool.waitFor(POOLABLE, clock.now() + 1000));
    const b = observe(pool.waitFor(10, clock.now() + 1000));
    const err = new KafkaError('closing', { code: 'ERR_KAFKA_PRODUCER_CLOSED' });
    pool.close(err);
    await flushMicrotasks();
    expect(a.error).toBe(err);
    expect(b.error).toBe(err);
    expect(pool.queuedCount).toBe(0);
    expect(clock.pendingTimers).toHaveLength(0);
    expect(() => pool.tryAllocate(10)).toThrow(err);
    await expect(pool.waitFor(10, clock.now() + 1000)).rejects.toBe(err);
    // Memory coming back after close is harmless.
    expect(() => pool.deallocate(held, POOLABLE)).not.toThrow();
  });

  test('one timer at a time, armed for the earliest deadline', () => {
    const { clock, pool } = setup(POOLABLE);
    pool.tryAllocate(POOLABLE);
    void pool.waitFor(POOLABLE, clock.now() + 800).catch(() => {});
    void pool.waitFor(POOLABLE, clock.now() + 200).catch(() => {});
    void pool.waitFor(POOLABLE, clock.now() + 500).catch(() => {});
    expect(clock.pendingTimers).toHaveLength(1);
    expect(clock.nextTimerDelayMs()).toBe(200);
    clock.advance(200);
    expect(pool.queuedCount).toBe(2);
    expect(clock.pendingTimers).toHaveLength(1);
    expect(clock.nextTimerDelayMs()).toBe(300);
  });
});
