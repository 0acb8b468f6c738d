/** `tsdsr train vae|teacher|tsd`: trains the small family from a folder of images; tsd exports a model the registry lists. */
import { join } from 'node:path';
import { configDir } from '../paths.ts';
import { EXIT, parseCommandLine, parseDevice, parseInteger, UsageError } from './args.ts';
import type { CliIO } from './io.ts';

/** Help text of the command. */
export const TRAIN_HELP = `Usage: tsdsr train vae     --data <dir> --out <dir> [options]
       tsdsr train teacher --data <dir> --vae <dir> --out <dir> [options]
       tsdsr train tsd     --data <dir> --teacher <dir> --out <dir> [--style <name>] [options]

vae       trains the small autoencoder (L1 + (1 - SSIM) reconstruction + a small KL term)
teacher   flow-matching pre-training of the small denoiser on the VAE's latents (10% style dropout for CFG)
tsd       TSD-SR distillation (Algorithm 1) of a one-step student; exports a model directory
          (default <config dir>/models/<id>) that the bridge and the plugin list

Options:
      --steps <n>             training steps (vae 2000, teacher 4000, tsd 2000)
      --batch <n>             batch size (default 4)
      --crop <px>             HR crop side (vae/teacher 128, tsd 256; LR = crop / 4)
      --lr <x>                peak learning rate (vae/teacher 2e-4, tsd student 5e-5)
      --reg-lr <x>            (tsd) reg model learning rate (default 1e-5)
      --style <name>          (tsd) style name (default: the data folder's name)
      --id <id>               (tsd) model id (default tsdsr-small)
      --model-out <dir>       (tsd) where to export (default <config dir>/models/<id>)
      --lpips-weights <file>  (tsd) LPIPS weights; without it L1 + (1 - SSIM) is used
      --checkpoint-every <n>  checkpoint and sample sheet every n steps (default 200)
      --seed <n>              seed of data order, crops, noise and initialisation (default 0)
      --device <d>            cpu, webgpu, cuda or auto (default cpu)
      --resume                continue from <out>/checkpoint (bit-identical to an uninterrupted run)
  -h, --help                  show this help

Ctrl-C saves a checkpoint after the current step; run the same command with --resume to continue.`;

const OPTIONS = {
  data: { type: 'string' }, out: { type: 'string' }, vae: { type: 'string' }, teacher: { type: 'string' },
  steps: { type: 'string' }, batch: { type: 'string' }, crop: { type: 'string' }, lr: { type: 'string' }, 'reg-lr': { type: 'string' },
  style: { type: 'string' }, id: { type: 'string' }, 'model-out': { type: 'string' }, 'lpips-weights': { type: 'string' },
  'checkpoint-every': { type: 'string' }, seed: { type: 'string' }, device: { type: 'string' }, resume: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseCommandLine<typeof OPTIONS>>['values'];

function parseRate(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!(value > 0 && value < 1)) throw new UsageError(`--${name} ${text}: use a number between 0 and 1, e.g. 1e-4`);
  return value;
}

function need(values: Values, keys: readonly (keyof Values)[], stage: string): void {
  const missing = keys.filter((k) => values[k] === undefined);
  if (missing.length > 0) throw new UsageError(`train ${stage} needs ${missing.map((k) => `--${String(k)} <dir>`).join(', ')}`);
}

/** The run options the flags set (undefined ones keep the stage's defaults). */
function runOptions(values: Values, io: CliIO) {
  const every = parseInteger('checkpoint-every', values['checkpoint-every'], 1, 1e9);
  const id = values.id ?? 'tsdsr-small';
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(id)) throw new UsageError(`--id ${id}: use lower-case letters, digits, '.', '_' or '-'`);
  const options = {
    data: values.data as string, out: values.out as string, vae: values.vae, teacher: values.teacher, style: values.style, id,
    steps: parseInteger('steps', values.steps, 1, 1e9), batch: parseInteger('batch', values.batch, 1, 256),
    cropSizePx: parseInteger('crop', values.crop, 16, 4096), lr: parseRate('lr', values.lr), regLr: parseRate('reg-lr', values['reg-lr']),
    checkpointEvery: every, sampleEvery: every, seed: parseInteger('seed', values.seed, 0, 2 ** 31), device: parseDevice(values.device ?? 'cpu'),
    resume: values.resume ?? false, lpipsWeights: values['lpips-weights'], exportDir: values['model-out'] ?? join(configDir(io.env), 'models', id),
  };
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as typeof options;
}

/** Runs the command; returns the exit code (130 when stopped by a signal, with a checkpoint saved). */
export async function trainCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, OPTIONS);
  if (values.help) {
    io.out(TRAIN_HELP);
    return EXIT.ok;
  }
  const stage = positionals[0];
  if (positionals.length !== 1 || (stage !== 'vae' && stage !== 'teacher' && stage !== 'tsd')) throw new UsageError('use tsdsr train vae, tsdsr train teacher or tsdsr train tsd');
  need(values, ['data', 'out', ...(stage === 'teacher' ? ['vae' as const] : stage === 'tsd' ? ['teacher' as const] : [])], stage);
  const options = runOptions(values, io);
  const { trainVae, trainTeacher, trainTsd } = await import('../../../trainer/src/index.ts');
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const ctx = { progress: io.stderr, log: (m: string) => io.err(m), signal: controller.signal };
  try {
    const run = stage === 'vae' ? trainVae(options, ctx) : stage === 'teacher' ? trainTeacher({ ...options, vae: options.vae as string }, ctx) : trainTsd({ ...options, teacher: options.teacher as string }, ctx);
    const result = await run;
    if (result.interrupted) return EXIT.interrupted;
    io.out(stage === 'tsd' ? `trained ${options.id}; use it with --model ${options.id}` : `trained the ${stage} in ${options.out}`);
    return EXIT.ok;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
