/** A logger for tests: pino's shape, keeping every line. */
import type { Logger } from '../../src/logger';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string;
}

/** A pino-shaped logger that keeps every line; child() records its bindings. */
export class CaptureLogger implements Logger {
  readonly lines: LogLine[] = [];
  readonly bindings: Record<string, unknown>[] = [];
  debug(obj: object, msg?: string): void {
    this.lines.push({ level: 'debug', obj: obj as Record<string, unknown>, msg: msg ?? '' });
  }
  info(obj: object, msg?: string): void {
    this.lines.push({ level: 'info', obj: obj as Record<string, unknown>, msg: msg ?? '' });
  }
  warn(obj: object, msg?: string): void {
    this.lines.push({ level: 'warn', obj: obj as Record<string, unknown>, msg: msg ?? '' });
  }
  error(obj: object, msg?: string): void {
    this.lines.push({ level: 'error', obj: obj as Record<string, unknown>, msg: msg ?? '' });
  }
  child(bindings: Record<string, unknown>): Logger {
    this.bindings.push(bindings);
    return this;
  }
  at(level: LogLine['level']): LogLine[] {
    return this.lines.filter((l) => l.level === level);
  }
}
