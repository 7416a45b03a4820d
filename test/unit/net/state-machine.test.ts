// The transition tables of the client's state machines: legal moves pass, others are refused
// with IllegalStateError naming the machine and the move.
import { Connection } from '../../../src/net/connection';
import { transition, TransitionTable } from '../../../src/net/state-machine';
import { IllegalStateError } from '../../../src/protocol/errors';
import { IdempotenceManager } from '../../../src/producer/idempotence';

type Light = 'red' | 'green' | 'yellow';
const LIGHT: TransitionTable<Light> = { red: ['green'], green: ['yellow'], yellow: ['red'] };

test('a legal move returns the new state; an illegal one throws IllegalStateError with the move', () => {
  expect(transition('light', LIGHT, 'red', 'green')).toBe('green');
  expect(() => transition('light', LIGHT, 'red', 'yellow')).toThrow(IllegalStateError);
  expect(() => transition('light', LIGHT, 'red', 'yellow')).toThrow('light: illegal transition red -> yellow');
});

test('idempotence manager: ready only through initializing; fatal is final', () => {
  const m = new IdempotenceManager();
  expect(() => m.setProducerIdAndEpoch(1, 0)).toThrow('idempotence: illegal transition uninitialized -> ready');
  m.transitionTo('initializing');
  m.setProducerIdAndEpoch(1, 0);
  expect(m.state).toBe('ready');
  m.fail(new Error('fenced'));
  m.fail(new Error('second')); // the first fatal error stays
  expect(m.fatalError!.message).toBe('fenced');
  expect(() => m.transitionTo('initializing')).toThrow(IllegalStateError);
});

test('connection: a closed connection stays closed; connect() after close is refused, not revived', async () => {
  const conn = new Connection({ host: '127.0.0.1', port: 1, requestTimeoutMs: 1000 });
  expect(conn.state).toBe('idle');
  conn.close();
  expect(conn.state).toBe('closed');
  await expect(conn.connect()).rejects.toThrow('is closed');
  expect(conn.state).toBe('closed');
});

test('batch life cycle: one state; a retry goes back to queued, a batch settled in flight fails when its request returns', () => {
  const { ProducerBatch } = require('../../../src/producer/producer-batch') as typeof import('../../../src/producer/producer-batch');
  const b = new ProducerBatch('t', 0, Buffer.alloc(1024), 1024, 0, { compression: 0, writeLimit: 1024 });
  expect(b.tryAppend(0, null, Buffer.from('v'), null, 1, () => {}, 0)).toBeGreaterThan(0);
  expect(b.state).toBe('open');
  b.close(-1, -1, -1);
  expect(b.state).toBe('queued');
  // Not answered yet: the sender cannot complete it.
  expect(() => b.complete(0, -1)).toThrow('batch: illegal transition queued -> succeeded');
  b.markSent();
  expect(b.returned()).toBe(true);
  b.reenqueued(0, 100);
  expect(b.state).toBe('queued');
  b.markSent();
  b.fail(new Error('expired'));
  expect(b.state).toBe('settled-in-flight');
  expect(b.isDone).toBe(true);
  expect(b.returned()).toBe(false);
  expect(b.state).toBe('failed');
});
