/** Graceful shutdown on SIGTERM/SIGINT: stop taking jobs, let running ones finish (up to a timeout), then close; a second signal closes at once. */
import type { FastifyInstance } from 'fastify';

/** Settings of {@link closeOnSignal}. */
export interface ShutdownOptions {
  /** How long running jobs may take to finish before they are stopped. */
  drainTimeoutMs: number;
  log: (message: string) => void;
  /** Signals to handle (default SIGTERM and SIGINT). */
  signals?: readonly NodeJS.Signals[];
}

/** Resolves once the app has closed after a signal: queued jobs answered `unavailable`, running ones finished or stopped. */
export function closeOnSignal(app: FastifyInstance, options: ShutdownOptions): Promise<void> {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  return new Promise((resolve) => {
    let closing: Promise<void> | undefined;
    const closeNow = (): Promise<void> => (closing ??= app.close().then(() => resolve()));
    const onSignal = (signal: NodeJS.Signals): void => {
      if (closing) return;
      const { running, queued } = app.jobs.stats();
      options.log(`${signal}: shutting down; ${queued} queued job(s) answered unavailable, waiting up to ${Math.round(options.drainTimeoutMs / 1000)} s for ${running} running (signal again to stop now)`);
      for (const other of signals) {
        process.removeListener(other, onSignal);
        process.once(other, () => {
          options.log(`${other}: stopping now`);
          void closeNow();
        });
      }
      void app.jobs.drain(options.drainTimeoutMs).then(({ finished, stopped }) => {
        options.log(`drained: ${finished} job(s) finished, ${stopped} stopped`);
        return closeNow();
      });
    };
    for (const signal of signals) process.once(signal, onSignal);
  });
}
