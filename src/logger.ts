/**
 * Logging: the `logger` option takes any object shaped like pino's logger (`debug`, `info`,
 * `warn`, `error`, each called as `(fields, message)`; `child(bindings)` optional). Nothing
 * is logged without one, and kafka-wire depends on no logging package.
 *
 * What is logged, and at which level:
 * - warn: a broker that cannot be reached or authenticated (BrokerPool), rate-limited per
 *   broker (see BrokerPool's connect failure handling).
 * - info: a broker reachable again after failed attempts.
 * - debug: metadata changes (brokers added or removed, partition leaders moved, topic
 *   errors), producer ids and epoch bumps, retries, lost connections.
 * - error: the producer failing fatally (fenced, not authorized, unsupported).
 * Fields are plain values (broker addresses, node ids, topic and partition, error names and
 * messages); never record contents and never credentials.
 *
 * A logger that throws must not break the producer: every call goes through ProducerLog,
 * which swallows such a throw.
 */

/** The part of a pino-style logger kafka-wire uses. */
export interface Logger {
  debug(obj: object, msg?: string): unknown;
  info(obj: object, msg?: string): unknown;
  warn(obj: object, msg?: string): unknown;
  error(obj: object, msg?: string): unknown;
  /** When present, the producer logs through `child({ clientId })`. */
  child?(bindings: Record<string, unknown>): Logger;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Whether `v` has a logger's four methods. */
export function isLogger(v: unknown): v is Logger {
  return typeof v === 'object' && v !== null && LEVELS.every((l) => typeof (v as Record<string, unknown>)[l] === 'function');
}

/**
 * The producer's handle on the user's logger: silent when there is none, and a throw from
 * the logger is dropped (logging must never fail a send or stall the I/O loop).
 */
export class ProducerLog {
  /** False when nothing is logged: callers may skip building fields. */
  readonly enabled: boolean;

  private constructor(private readonly target: Logger | null) {
    this.enabled = target !== null;
  }

  /** Nothing is logged. */
  static readonly silent = new ProducerLog(null);

  /** Logs to `logger`, through `logger.child(bindings)` when it has child(). */
  static of(logger: Logger | null | undefined, bindings: Record<string, unknown>): ProducerLog {
    if (!logger) return ProducerLog.silent;
    let target: Logger = logger;
    if (typeof logger.child === 'function') {
      try {
        const child = logger.child(bindings);
        if (isLogger(child)) target = child;
      } catch {
        // A child() that throws: log through the logger itself.
      }
    }
    return new ProducerLog(target);
  }

  debug(obj: object, msg: string): void {
    this.write('debug', obj, msg);
  }

  info(obj: object, msg: string): void {
    this.write('info', obj, msg);
  }

  warn(obj: object, msg: string): void {
    this.write('warn', obj, msg);
  }

  error(obj: object, msg: string): void {
    this.write('error', obj, msg);
  }

  private write(level: LogLevel, obj: object, msg: string): void {
    const t = this.target;
    if (t === null) return;
    try {
      t[level](obj, msg);
    } catch {
      // See the class comment.
    }
  }
}

/**
 * A short name for why a connection failed, for log lines and messages: the system error code
 * (ECONNREFUSED, ENOTFOUND, EAI_AGAIN, ETIMEDOUT, ...), the TLS code, the Kafka error name
 * (SASL_AUTHENTICATION_FAILED, ...) or the kafka-wire code, the first found along the cause chain.
 */
export function failureReason(err: unknown): string {
  let kafkaCode: string | undefined;
  for (let e = err, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    const errorName = (e as { errorName?: unknown }).errorName;
    if (typeof errorName === 'string') return errorName;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (!code.startsWith('ERR_KAFKA')) return code;
      kafkaCode ??= code;
    }
  }
  return kafkaCode ?? ((err as Error)?.name || 'Error');
}
