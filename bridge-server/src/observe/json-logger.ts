/** The bridge's JSON logger for service managers: pino, one JSON object per line, secrets redacted should one ever be passed. */
import type { FastifyBaseLogger } from 'fastify';
import { pino, type DestinationStream } from 'pino';

/** Field paths censored in every line (the token is never logged on purpose; this is the second line of defence). */
export const REDACTED_PATHS = Object.freeze(['token', '*.token', 'authorization', '*.authorization', 'req.headers.authorization', 'req.headers.cookie']);

/** A pino logger writing JSON lines to `destination` (default: stdout). */
export function jsonLogger(destination: DestinationStream = pino.destination({ dest: 1, sync: true }), level = 'info'): FastifyBaseLogger {
  return pino({ level, base: { pid: process.pid }, redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' } }, destination);
}
