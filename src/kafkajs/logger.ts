/**
 * kafkajs's logging model (a logCreator called with the log level, returning the function
 * every entry goes to) on both sides of the facade: the facade's own messages, and
 * kafka-wire's pino-shaped `logger` option, adapted to it.
 */
import type { Logger } from '../logger';
import { logLevel } from './constants';
import type { LogCreator, LogEntry } from './types';

const LABELS: Readonly<Record<number, string>> = { [logLevel.ERROR]: 'ERROR', [logLevel.WARN]: 'WARN', [logLevel.INFO]: 'INFO', [logLevel.DEBUG]: 'DEBUG' };

/** The default: one JSON line per entry on the console, `[namespace] message` as the message. */
export const consoleLogCreator: LogCreator = () => ({ namespace, level, label, log }) => {
  const line = JSON.stringify({ level: label, ...log, message: namespace ? `[${namespace}] ${log.message}` : log.message });
  if (level === logLevel.ERROR) console.error(line);
  else if (level === logLevel.WARN) console.warn(line);
  else console.log(line);
};

/** kafkajs's logger object, as kafka.logger() and producer.logger() return it. */
export interface KafkaJSLogger {
  info(message: string, extra?: object): void;
  error(message: string, extra?: object): void;
  warn(message: string, extra?: object): void;
  debug(message: string, extra?: object): void;
  namespace(namespace: string, level?: logLevel): KafkaJSLogger;
  setLogLevel(level: logLevel): void;
}

/** The level, shared by a root logger and its namespaces (setLogLevel changes all of them). */
interface LevelHolder {
  level: logLevel;
}

export class FacadeLogger implements KafkaJSLogger {
  constructor(
    private readonly sink: (entry: LogEntry) => void,
    private readonly holder: LevelHolder,
    private readonly ns = '',
  ) {}

  static create(creator: LogCreator | undefined, level: logLevel): FacadeLogger {
    const holder: LevelHolder = { level };
    const sink = (creator ?? consoleLogCreator)(level);
    return new FacadeLogger(typeof sink === 'function' ? sink : () => {}, holder);
  }

  get level(): logLevel {
    return this.holder.level;
  }

  log(level: logLevel, message: string, extra?: object): void {
    if (level > this.holder.level || level === logLevel.NOTHING) return;
    try {
      this.sink({ namespace: this.ns, level, label: LABELS[level], log: { timestamp: new Date().toISOString(), logger: 'kafkajs', message, ...plainFields(extra) } });
    } catch {
      // A log function that throws must not fail the producer.
    }
  }

  info(message: string, extra?: object): void {
    this.log(logLevel.INFO, message, extra);
  }
  error(message: string, extra?: object): void {
    this.log(logLevel.ERROR, message, extra);
  }
  warn(message: string, extra?: object): void {
    this.log(logLevel.WARN, message, extra);
  }
  debug(message: string, extra?: object): void {
    this.log(logLevel.DEBUG, message, extra);
  }
  namespace(namespace: string): FacadeLogger {
    return new FacadeLogger(this.sink, this.holder, namespace);
  }
  setLogLevel(level: logLevel): void {
    this.holder.level = level;
  }

  /** kafka-wire's `logger` option writing into this logger (its debug/info/warn/error(fields, message)). */
  asWireLogger(): Logger {
    const at = (level: logLevel) => (fields: object, message?: string) => this.log(level, message ?? '', fields);
    return { debug: at(logLevel.DEBUG), info: at(logLevel.INFO), warn: at(logLevel.WARN), error: at(logLevel.ERROR) };
  }
}

/** Fields as JSON can carry them: an Error becomes its message (and stack), bigints strings. */
function plainFields(extra: object | undefined): Record<string, unknown> {
  if (extra === undefined || extra === null) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(extra)) {
    if (v instanceof Error) {
      out[k] = v.message;
      if (k === 'error' || k === 'err') out.stack = v.stack;
    } else if (typeof v === 'bigint') out[k] = v.toString();
    else out[k] = v;
  }
  return out;
}
