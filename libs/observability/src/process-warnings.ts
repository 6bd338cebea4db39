import { type EventEmitter } from 'node:events';
import { type LoggerService } from '@nestjs/common';

/**
 * Logs process warnings (a deprecation, a library's negative timer on Node 24 and later) as
 * warnings of `logger`, one JSON line like any other, in place of Node's own listener, which
 * prints plain text to stderr that a log collector expecting JSON would reject. Each kind of
 * warning is logged once: its code, or its text but for the numbers in it.
 */
export function logProcessWarnings(
  logger: LoggerService,
  context: string,
  target: EventEmitter = process,
): void {
  const seen = new Set<string>();
  target.removeAllListeners('warning');
  target.on('warning', (warning: Error & { code?: string }) => {
    const kind = `${warning.name}:${warning.code ?? warning.message.replace(/\d+/g, 'N')}`;
    if (seen.has(kind)) return;
    seen.add(kind);
    logger.warn({ message: warning.message, warning: warning.name }, context);
  });
}
