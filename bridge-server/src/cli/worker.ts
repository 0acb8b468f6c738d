/** `tsdsr worker`: takes upscale jobs from a team bridge's Redis queue and runs them on this machine's device until stopped. */
import { stat } from 'node:fs/promises';
import { configDir, modelRoots } from '../paths.ts';
import { displayUrl, redisOptions, UpscaleWorker } from '../queue/redis/index.ts';
import { ModelRegistry } from '../registry.ts';
import { nodeRuntime } from '../runtime.ts';
import { EXIT, parseCommandLine, parseDevice, parseInteger, UsageError } from './args.ts';
import type { CliIO } from './io.ts';

/** Help text of the command. */
export const WORKER_HELP = `Usage: tsdsr worker --queue redis://host:6379/0 [options]

Runs upscale jobs for team bridges (\`tsdsr serve --queue <same url>\`) on this machine; see docs/team.md.
Takes jobs only for the models it holds, and says which in Redis.

Options:
      --queue <url>          the bridges' Redis: redis://[user:password@]host[:port][/db] or rediss://… (required)
      --device <device>      auto, cpu, webgpu or cuda (default auto)
      --models <dir>         also load models from this directory (repeatable)
      --concurrency <n>      jobs run at the same time, all models together (default 1)
      --train                also take training runs (POST /v1/train on the bridge), one at a time; the bridge's
                             --train-root, training and models folders must be at the same paths here (shared storage)

SIGTERM or Ctrl-C: take no new jobs, finish the running ones, then exit; a second signal stops them at the next tile
and puts them back in the queue for another worker.
  -h, --help                 show this help`;

const OPTIONS = {
  queue: { type: 'string' },
  device: { type: 'string' },
  models: { type: 'string', multiple: true },
  concurrency: { type: 'string' },
  train: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Runs the command; resolves with the exit code once the worker has stopped. */
export async function workerCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, OPTIONS);
  if (values.help) {
    io.out(WORKER_HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`worker takes no arguments, got '${positionals[0]}'`);
  if (values.queue === undefined) throw new UsageError('--queue redis://host:port/db is required');
  try {
    redisOptions(values.queue);
  } catch (err) {
    throw new UsageError(`--queue ${(err as Error).message}`);
  }
  const device = parseDevice(values.device);
  const concurrency = parseInteger('concurrency', values.concurrency, 1, 64) ?? 1;
  for (const dir of values.models ?? []) {
    const isDir = await stat(dir).then((s) => s.isDirectory(), () => false);
    if (!isDir) throw new UsageError(`--models ${dir}: no such directory`);
  }
  const log = (message: string): void => io.err(message);
  const registry = await ModelRegistry.scan(modelRoots(configDir(io.env), values.models), nodeRuntime, log);
  const worker = await UpscaleWorker.start({ url: values.queue, registry, runtime: nodeRuntime, device, concurrency, train: values.train, log });
  log(`tsdsr worker ${worker.id} taking jobs from ${displayUrl(values.queue)}`);
  log(`models: ${worker.models.join(', ')}; device: ${device}; concurrency: ${concurrency}${values.train ? '; training runs too' : ''}`);
  await stopOnSignal(worker, log);
  return EXIT.ok;
}

/** Resolves once the worker has closed after SIGTERM or SIGINT (gently; forced on a second signal). */
function stopOnSignal(worker: UpscaleWorker, log: (message: string) => void): Promise<void> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      log(`${signal}: finishing ${worker.running} running job(s), taking no new ones (signal again to stop them now)`);
      for (const other of ['SIGTERM', 'SIGINT'] as const) {
        process.removeListener(other, onSignal);
        process.once(other, () => {
          log(`${other}: stopping running jobs now`);
          void worker.close(true);
        });
      }
      void worker.close().then(() => {
        log('worker stopped');
        resolve();
      });
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}
