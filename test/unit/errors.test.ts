// Checks src/protocol/errors.ts against the Java client's `Errors` enum, as dumped to
// test/golden/errors.tsv (code, name, retriable, invalidMetadata, exception), and checks
// the shape of every error class.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  BrokerError,
  BufferExhaustedError,
  ClusterAuthorizationError,
  ConfigError,
  ConnectionError,
  CorruptMessageError,
  DuplicateSequenceError,
  ERROR_CODES,
  FencedLeaderEpochError,
  IllegalSaslStateError,
  InvalidProducerEpochError,
  InvalidRecordError,
  InvalidTimestampError,
  InvalidTopicError,
  KafkaError,
  KafkaStorageError,
  LeaderNotAvailableError,
  MalformedResponseError,
  MessageTooLargeError,
  NetworkExceptionError,
  NoCommonVersionError,
  NotEnoughReplicasAfterAppendError,
  NotEnoughReplicasError,
  NotLeaderOrFollowerError,
  OutOfOrderSequenceError,
  ProducerClosedError,
  ProducerFencedError,
  RecordListTooLargeError,
  RecordTooLargeError,
  RequestTimedOutError,
  SaslAuthenticationError,
  SerializationError,
  ThrottlingQuotaExceededError,
  TimeoutError,
  TopicAuthorizationError,
  TransactionAbortableError,
  TransactionalIdAuthorizationError,
  UnknownProducerIdError,
  UnknownTopicIdError,
  UnknownTopicOrPartitionError,
  UnsupportedSaslMechanismError,
  UnsupportedVersionError,
  brokerErrorFor,
  errorInfo,
} from '../../src/protocol/errors';

interface GoldenRow {
  code: number;
  name: string;
  retriable: boolean;
  invalidMetadata: boolean;
  exception: string;
}

const GOLDEN_PATH = join(__dirname, '..', 'golden', 'errors.tsv');

function parseBool(text: string, where: string): boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new Error(`${where}: expected true or false, got ${JSON.stringify(text)}`);
}

function readGolden(): GoldenRow[] {
  const lines = readFileSync(GOLDEN_PATH, 'utf8').split(/\r?\n/).filter((line) => line !== '');
  expect(lines[0]).toBe('code\tname\tretriable\tinvalidMetadata\texception');
  return lines.slice(1).map((line, i) => {
    const where = `errors.tsv line ${i + 2}`;
    const cells = line.split('\t');
    if (cells.length < 4) throw new Error(`${where}: expected 5 tab-separated cells, got ${cells.length}`);
    const [code, name, retriable, invalidMetadata, exception = ''] = cells as [string, string, string, string, string?];
    if (!/^-?\d+$/.test(code)) throw new Error(`${where}: bad code ${JSON.stringify(code)}`);
    return {
      code: Number(code),
      name,
      retriable: parseBool(retriable, where),
      invalidMetadata: parseBool(invalidMetadata, where),
      exception,
    };
  });
}

const golden = readGolden();

describe('ERROR_CODES against the Java client (test/golden/errors.tsv)', () => {
  it('has rows to compare', () => {
    expect(golden.length).toBeGreaterThan(100);
  });

  it.each(golden.map((row) => [row.code, row.name, row] as const))('code %i %s: same name and flags', (code, _name, row) => {
    const info = ERROR_CODES.get(code);
    expect(info).toBeDefined();
    expect({ code: info?.code, name: info?.name, retriable: info?.retriable, refreshMetadata: info?.refreshMetadata }).toEqual({
      code: row.code,
      name: row.name,
      retriable: row.retriable,
      refreshMetadata: row.invalidMetadata,
    });
  });

  it('has exactly the same set of codes', () => {
    const ours = [...ERROR_CODES.keys()].sort((a, b) => a - b);
    const theirs = golden.map((row) => row.code).sort((a, b) => a - b);
    expect(ours).toEqual(theirs);
  });
});

describe('ERROR_CODES', () => {
  it('covers every code from -1 to the highest without a gap', () => {
    const codes = [...ERROR_CODES.keys()];
    const max = Math.max(...codes);
    expect(codes.length).toBe(max + 2);
    for (let code = -1; code <= max; code++) expect(ERROR_CODES.has(code)).toBe(true);
  });

  it('gives every code a unique name and a one-sentence message', () => {
    const names = new Set<string>();
    for (const info of ERROR_CODES.values()) {
      expect(info.name).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(names.has(info.name)).toBe(false);
      names.add(info.name);
      expect(info.message).toMatch(/^[A-Z].*\.$/);
    }
  });

  it('marks the metadata-refresh codes the producer relies on', () => {
    for (const code of [3, 5, 6, 13, 56, 74, 100]) expect(errorInfo(code).refreshMetadata).toBe(true);
    for (const code of [7, 19, 20, 10, 45]) expect(errorInfo(code).refreshMetadata).toBe(false);
  });
});

describe('errorInfo', () => {
  it('returns the table row for a known code', () => {
    expect(errorInfo(6)).toBe(ERROR_CODES.get(6));
    expect(errorInfo(6).name).toBe('NOT_LEADER_OR_FOLLOWER');
  });

  it('names an unknown code UNKNOWN_CODE_<n>, neither retriable nor a metadata refresh', () => {
    const info = errorInfo(9999);
    expect(info).toMatchObject({ code: 9999, name: 'UNKNOWN_CODE_9999', retriable: false, refreshMetadata: false });
    expect(info.message).toContain('9999');
    expect(errorInfo(-2).name).toBe('UNKNOWN_CODE_-2');
  });
});

describe('brokerErrorFor', () => {
  const subclasses: ReadonlyArray<readonly [number, new (message?: string | null) => BrokerError, string]> = [
    [2, CorruptMessageError, 'CorruptMessageError'],
    [3, UnknownTopicOrPartitionError, 'UnknownTopicOrPartitionError'],
    [5, LeaderNotAvailableError, 'LeaderNotAvailableError'],
    [6, NotLeaderOrFollowerError, 'NotLeaderOrFollowerError'],
    [7, RequestTimedOutError, 'RequestTimedOutError'],
    [10, MessageTooLargeError, 'MessageTooLargeError'],
    [13, NetworkExceptionError, 'NetworkExceptionError'],
    [17, InvalidTopicError, 'InvalidTopicError'],
    [18, RecordListTooLargeError, 'RecordListTooLargeError'],
    [19, NotEnoughReplicasError, 'NotEnoughReplicasError'],
    [20, NotEnoughReplicasAfterAppendError, 'NotEnoughReplicasAfterAppendError'],
    [29, TopicAuthorizationError, 'TopicAuthorizationError'],
    [31, ClusterAuthorizationError, 'ClusterAuthorizationError'],
    [32, InvalidTimestampError, 'InvalidTimestampError'],
    [33, UnsupportedSaslMechanismError, 'UnsupportedSaslMechanismError'],
    [34, IllegalSaslStateError, 'IllegalSaslStateError'],
    [35, UnsupportedVersionError, 'UnsupportedVersionError'],
    [45, OutOfOrderSequenceError, 'OutOfOrderSequenceError'],
    [46, DuplicateSequenceError, 'DuplicateSequenceError'],
    [47, InvalidProducerEpochError, 'InvalidProducerEpochError'],
    [53, TransactionalIdAuthorizationError, 'TransactionalIdAuthorizationError'],
    [56, KafkaStorageError, 'KafkaStorageError'],
    [58, SaslAuthenticationError, 'SaslAuthenticationError'],
    [59, UnknownProducerIdError, 'UnknownProducerIdError'],
    [74, FencedLeaderEpochError, 'FencedLeaderEpochError'],
    [87, InvalidRecordError, 'InvalidRecordError'],
    [89, ThrottlingQuotaExceededError, 'ThrottlingQuotaExceededError'],
    [90, ProducerFencedError, 'ProducerFencedError'],
    [100, UnknownTopicIdError, 'UnknownTopicIdError'],
    [120, TransactionAbortableError, 'TransactionAbortableError'],
  ];

  it('has a distinct class for every listed code', () => {
    expect(new Set(subclasses.map(([code]) => code)).size).toBe(subclasses.length);
    expect(new Set(subclasses.map(([, cls]) => cls)).size).toBe(subclasses.length);
  });

  it.each(subclasses)('code %i -> %p', (code, cls, className) => {
    const info = errorInfo(code);
    const err = brokerErrorFor(code, 'from the broker');
    expect(err).toBeInstanceOf(cls);
    expect(err).toBeInstanceOf(BrokerError);
    expect(err).toBeInstanceOf(KafkaError);
    expect(err).toBeInstanceOf(Error);
    expect(err.constructor).toBe(cls);
    expect(err.name).toBe(className);
    expect(err.errorCode).toBe(code);
    expect(err.errorName).toBe(info.name);
    expect(err.code).toBe(info.name);
    expect(err.retriable).toBe(info.retriable);
    expect(err.refreshMetadata).toBe(info.refreshMetadata);
    expect(err.message).toContain(info.message);
    expect(err.message).toContain('from the broker');
    expect(err.brokerMessage).toBe('from the broker');
    expect(err.stack?.split('\n')[0]).toBe(`${className}: ${err.message}`);

    // Constructed directly, the subclass is the same error.
    const direct = new cls();
    expect(direct.errorCode).toBe(code);
    expect(direct.message).toBe(info.message);
    expect(direct.name).toBe(className);
  });

  it('returns a plain BrokerError for a code without a subclass', () => {
    const err = brokerErrorFor(15);
    expect(err.constructor).toBe(BrokerError);
    expect(err.name).toBe('BrokerError');
    expect(err).toMatchObject({
      errorCode: 15,
      errorName: 'COORDINATOR_NOT_AVAILABLE',
      code: 'COORDINATOR_NOT_AVAILABLE',
      retriable: true,
      refreshMetadata: false,
    });
  });

  it('returns a plain BrokerError for an unknown code', () => {
    const err = brokerErrorFor(4242, null);
    expect(err.constructor).toBe(BrokerError);
    expect(err).toMatchObject({
      errorCode: 4242,
      errorName: 'UNKNOWN_CODE_4242',
      code: 'UNKNOWN_CODE_4242',
      retriable: false,
      refreshMetadata: false,
      brokerMessage: null,
    });
  });

  it('uses only our message when the broker sent none or an empty one', () => {
    expect(brokerErrorFor(6).message).toBe(errorInfo(6).message);
    expect(brokerErrorFor(6, null).message).toBe(errorInfo(6).message);
    expect(brokerErrorFor(6, '').message).toBe(errorInfo(6).message);
  });

  it('builds an error for every known code but NONE', () => {
    for (const info of ERROR_CODES.values()) {
      if (info.code === 0) continue;
      const err = brokerErrorFor(info.code);
      expect(err.errorName).toBe(info.name);
      expect(err.retriable).toBe(info.retriable);
    }
  });

  it('throws a TypeError for code 0 (NONE)', () => {
    expect(() => brokerErrorFor(0)).toThrow(TypeError);
    expect(() => new BrokerError(0)).toThrow(TypeError);
  });
});

describe('KafkaError', () => {
  it('defaults to a generic code, not retriable, and no cause', () => {
    const err = new KafkaError('boom');
    expect(err).toMatchObject({ name: 'KafkaError', code: 'ERR_KAFKA', retriable: false, message: 'boom' });
    expect('cause' in err).toBe(false);
  });

  it('keeps the code, retriable flag and cause it is given', () => {
    const cause = new Error('inner');
    const err = new KafkaError('outer', { code: 'ERR_X', retriable: true, cause });
    expect(err).toMatchObject({ code: 'ERR_X', retriable: true });
    expect(err.cause).toBe(cause);
  });

  it('keeps name off the instance, on the prototype', () => {
    const err = new TimeoutError('late');
    expect(Object.keys(err)).not.toContain('name');
    expect(Object.prototype.hasOwnProperty.call(TimeoutError.prototype, 'name')).toBe(true);
  });
});

describe('client-side errors', () => {
  const cases: ReadonlyArray<readonly [string, () => KafkaError, string, boolean]> = [
    ['TimeoutError', () => new TimeoutError('timed out'), 'ERR_KAFKA_TIMEOUT', true],
    ['BufferExhaustedError', () => new BufferExhaustedError('no memory'), 'ERR_KAFKA_BUFFER_EXHAUSTED', true],
    ['RecordTooLargeError', () => new RecordTooLargeError('too big'), 'ERR_KAFKA_RECORD_TOO_LARGE', false],
    ['SerializationError', () => new SerializationError('bad value'), 'ERR_KAFKA_SERIALIZATION', false],
    ['ConnectionError', () => new ConnectionError('refused'), 'ERR_KAFKA_CONNECTION', true],
    ['MalformedResponseError', () => new MalformedResponseError('short', { field: 'x' }), 'ERR_KAFKA_MALFORMED_RESPONSE', false],
    ['ProducerClosedError', () => new ProducerClosedError(), 'ERR_KAFKA_PRODUCER_CLOSED', false],
    ['ConfigError', () => new ConfigError('bad acks', { option: 'acks' }), 'ERR_KAFKA_CONFIG', false],
    ['NoCommonVersionError', () => new NoCommonVersionError(0, { min: 3, max: 12 }, { min: 0, max: 2 }), 'ERR_KAFKA_NO_COMMON_VERSION', false],
  ];

  it.each(cases)('%s has its name, code and retriable flag', (name, make, code, retriable) => {
    const err = make();
    expect(err).toBeInstanceOf(KafkaError);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(BrokerError);
    expect(err.name).toBe(name);
    expect(err.constructor.name).toBe(name);
    expect(err.code).toBe(code);
    expect(err.retriable).toBe(retriable);
    expect(err.stack?.split('\n')[0]).toBe(`${name}: ${err.message}`);
    expect(String(err)).toBe(`${name}: ${err.message}`);
  });

  it('BufferExhaustedError is a TimeoutError', () => {
    const err = new BufferExhaustedError('waited 60000 ms for memory');
    expect(err).toBeInstanceOf(TimeoutError);
    expect(new TimeoutError('x')).not.toBeInstanceOf(BufferExhaustedError);
  });

  it('TimeoutError accepts its own code and a cause', () => {
    const cause = new Error('socket');
    const err = new TimeoutError('request timed out', { code: 'ERR_KAFKA_REQUEST_TIMEOUT', cause });
    expect(err.code).toBe('ERR_KAFKA_REQUEST_TIMEOUT');
    expect(err.retriable).toBe(true);
    expect(err.cause).toBe(cause);
  });

  it('ConnectionError carries the broker when known', () => {
    expect(new ConnectionError('closed', { broker: 'localhost:9092' }).broker).toBe('localhost:9092');
    expect(new ConnectionError('closed').broker).toBeUndefined();
  });

  it('MalformedResponseError names the field and, optionally, the API', () => {
    const err = new MalformedResponseError('needed 8 bytes, had 3', { field: 'baseOffset', apiKey: 0, apiVersion: 11 });
    expect(err).toMatchObject({ field: 'baseOffset', apiKey: 0, apiVersion: 11 });
    const bare = new MalformedResponseError('short', { field: 'throttleTimeMs' });
    expect(bare.apiKey).toBeUndefined();
    expect(bare.apiVersion).toBeUndefined();
  });

  it('ConfigError names the option', () => {
    expect(new ConfigError('must be 0, 1 or -1', { option: 'acks' }).option).toBe('acks');
  });

  it('ProducerClosedError has a default message', () => {
    expect(new ProducerClosedError().message).toMatch(/closed/);
  });

  it('NoCommonVersionError carries the API key and both ranges', () => {
    const err = new NoCommonVersionError(0, { min: 3, max: 12 }, { min: 0, max: 2 });
    expect(err).toMatchObject({ apiKey: 0, clientVersions: { min: 3, max: 12 }, brokerVersions: { min: 0, max: 2 } });
    expect(err.message).toContain('3-12');
    expect(err.message).toContain('0-2');
    const missing = new NoCommonVersionError(22, { min: 0, max: 5 }, null);
    expect(missing.brokerVersions).toBeNull();
    expect(missing.message).toContain('22');
  });

  it('UnsupportedVersionError is the broker-side error, distinct from NoCommonVersionError', () => {
    const err = brokerErrorFor(35);
    expect(err).toBeInstanceOf(UnsupportedVersionError);
    expect(err).not.toBeInstanceOf(NoCommonVersionError);
    expect(err.code).toBe('UNSUPPORTED_VERSION');
  });
});
