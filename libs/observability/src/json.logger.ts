import { type LoggerService, type LogLevel } from '@nestjs/common';
import { type LogLevelName } from '@app/config';

/** Nest's levels by severity; `fatal` is Nest's own, above `error`, and always on. */
const SEVERITY: Readonly<Record<LogLevel, number>> = {
  fatal: 0,
  error: 1,
  warn: 2,
  log: 3,
  debug: 4,
  verbose: 5,
};

/** Keys every line has; a field of the same name cannot replace them. */
const RESERVED = new Set(['time', 'level', 'context', 'message']);

export type LineWriter = (line: string) => void;

/**
 * Writes one JSON object per line: `time`, `level`, `context`, `message`, then the fields of an
 * object message (`logger.warn({ message: 'slow batch', topic, seconds })`) and, for errors, the
 * stack. Log collectors parse such lines without a pattern per service.
 */
export class JsonLogger implements LoggerService {
  private enabled = new Set<LogLevel>();

  constructor(
    level: LogLevelName = 'log',
    private readonly write: LineWriter = (line) => process.stdout.write(line),
  ) {
    this.setLevel(level);
  }

  /** Turns on `level` and every more severe one. */
  setLevel(level: LogLevelName): void {
    const threshold = SEVERITY[level];
    this.setLogLevels(
      (Object.keys(SEVERITY) as LogLevel[]).filter((l) => SEVERITY[l] <= threshold),
    );
  }

  /** Nest's own override, e.g. `NestFactory.create(module, { logger: ['error'] })`. */
  setLogLevels(levels: LogLevel[]): void {
    this.enabled = new Set(levels);
  }

  log(message: unknown, ...params: unknown[]): void {
    this.print('log', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.print('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.print('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.print('verbose', message, params);
  }

  /** Nest calls it as `(message, stack?, context?)`; a lone string argument is the context. */
  error(message: unknown, ...params: unknown[]): void {
    this.print('error', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.print('fatal', message, params);
  }

  private print(level: LogLevel, message: unknown, params: unknown[]): void {
    if (!this.enabled.has(level)) return;
    const { context, stack, extra } = splitParams(level, params);
    const { text, fields, errorStack } = splitMessage(message);
    const entry: Record<string, unknown> = {
      time: new Date().toISOString(),
      level,
      ...(context === undefined ? {} : { context }),
      message: text,
    };
    for (const [key, value] of Object.entries(fields)) {
      if (!RESERVED.has(key)) entry[key] = value;
    }
    if (extra.length > 0) entry.args = extra;
    const trace = stack ?? errorStack;
    if (trace !== undefined) entry.stack = trace;
    this.write(`${serialise(entry)}\n`);
  }
}

function splitParams(
  level: LogLevel,
  params: readonly unknown[],
): { context?: string; stack?: string; extra: unknown[] } {
  const rest = [...params];
  const severe = level === 'error' || level === 'fatal';
  if (severe && rest.length === 1 && isStack(rest[0])) return { stack: rest[0], extra: [] };
  const last = rest.at(-1);
  const context = typeof last === 'string' ? (rest.pop() as string) : undefined;
  if (!severe || rest.length === 0)
    return { ...(context === undefined ? {} : { context }), extra: rest };
  const first = rest.shift();
  return {
    ...(context === undefined ? {} : { context }),
    ...(typeof first === 'string' ? { stack: first } : {}),
    extra: rest,
  };
}

const isStack = (value: unknown): value is string =>
  typeof value === 'string' && /\n\s+at /.test(value);

function splitMessage(message: unknown): {
  text: unknown;
  fields: Record<string, unknown>;
  errorStack?: string;
} {
  if (message instanceof Error) {
    return {
      text: message.message,
      fields: { error: message.name },
      ...(message.stack === undefined ? {} : { errorStack: message.stack }),
    };
  }
  if (typeof message === 'object' && message !== null && !Array.isArray(message)) {
    const { message: text, ...fields } = message as Record<string, unknown>;
    return { text: text ?? '', fields };
  }
  return { text: message, fields: {} };
}

/** A field that JSON cannot hold (a cycle, say) costs the fields, never the line. */
function serialise(entry: Record<string, unknown>): string {
  try {
    return JSON.stringify(entry, jsonSafe);
  } catch (error) {
    const { time, level, context, message } = entry;
    return JSON.stringify({
      time,
      level,
      context,
      message: String(message),
      unserialisable: (error as Error).message,
    });
  }
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}
