/** SIGHUP: rescan the model folders (models added or fixed since are picked up) without closing the server or any connection. */
import type { FastifyInstance } from 'fastify';

/** Rescans on each SIGHUP and logs the models now known; returns a function that removes the handler. */
export function reloadOnHangup(app: FastifyInstance, log: (message: string) => void): () => void {
  const onHangup = (): void => {
    void app.registry.refresh(0).then(
      () => log(`SIGHUP: rescanned the model folders; models: ${app.registry.list().map((entry) => entry.manifest.id).join(', ') || 'none'}`),
      (err: unknown) => log(`SIGHUP: rescanning the model folders failed: ${err instanceof Error ? err.message : String(err)}`),
    );
  };
  process.on('SIGHUP', onHangup);
  return () => void process.off('SIGHUP', onHangup);
}
