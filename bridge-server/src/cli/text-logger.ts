/** A plain-text logger for the server's terminal (fastify's logger interface, one readable line per event). */
import type { FastifyBaseLogger } from 'fastify';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
type Level = (typeof LEVELS)[number];

function describe(args: unknown[]): string {
  const [first, second] = args;
  if (typeof first === 'string') return first;
  const fields = (first ?? {}) as { err?: unknown };
  const message = typeof second === 'string' ? second : '';
  if (fields.err instanceof Error) return `${message}: ${fields.err.stack ?? fields.err.message}`;
  return message;
}

/** Creates a logger writing `HH:MM:SS level message` lines at or above `level` to the stream. */
export function textLogger(stream: NodeJS.WritableStream, level: Level = 'info'): FastifyBaseLogger {
  const threshold = LEVELS.indexOf(level);
  const logger: Record<string, unknown> = { level, silent: () => {}, child: () => logger };
  for (const name of LEVELS) {
    logger[name] = (...args: unknown[]) => {
      if (LEVELS.indexOf(name) < threshold) return;
      const time = new Date().toTimeString().slice(0, 8);
      stream.write(`${time} ${name.padEnd(5)} ${describe(args)}\n`);
    };
  }
  return logger as unknown as FastifyBaseLogger;
}
