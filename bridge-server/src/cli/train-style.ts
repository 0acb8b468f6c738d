/** `tsdsr train style`: a custom style as a short, time-budgeted fine-tune of a shipped model, scored on held-out images. */
import { join } from 'node:path';
import type { RunContext } from '../../../trainer/src/loop/runs.ts';
import { configDir, ZOO_DIR } from '../paths.ts';
import { UsageError } from './args.ts';
import type { CliIO } from './io.ts';
import { resolveModelDir, trainRunOptions, type TrainValues } from './train-options.ts';

/** Help lines of the form, for the command's help text. */
export const TRAIN_STYLE_USAGE = 'tsdsr train style   --data <dir> --name <text> [--from tsdsr-fast] [--minutes 10] [options]';

/** An id from a display name: lower case, letters and digits kept, other runs of characters made one '-'. */
export function idFromName(name: string): string {
  const id = name.normalize('NFKD').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60);
  return id === '' ? 'style' : id;
}

/** Checks the flags of `train style` and returns the run's options; --from names the start model (default tsdsr-fast). */
export function styleRunOptions(values: TrainValues & { from?: string }, env: NodeJS.ProcessEnv) {
  if (values.name === undefined) throw new UsageError('train style needs --name "<display name>", e.g. --name "My style"');
  if (values.teacher !== undefined || values.vae !== undefined || values['init-student'] !== undefined) throw new UsageError('train style starts from a model (--from); --teacher, --vae and --init-student do not apply');
  if (values.from !== undefined && values['from-model'] !== undefined) throw new UsageError('give --from or --from-model, not both');
  const from = values.from ?? values['from-model'] ?? 'tsdsr-fast';
  const id = values.id ?? idFromName(values.name);
  const out = values.out ?? join(configDir(env), 'runs', id);
  const options = trainRunOptions('tsd', { ...values, id, out, 'from-model': from }, env);
  return { ...options, fromLabel: from, fromModel: resolveModelDir(from, env), bicubicDir: join(ZOO_DIR, 'bicubic') };
}

/** The held-out table: each model's mean PSNR-Y, and the style's gain over the model it started from. */
export function styleScoreLines(scores: readonly { label: string; psnrY: number }[], heldOut: number, fromLabel: string): string[] {
  if (scores.length === 0) return [];
  const start = scores.find((s) => s.label === fromLabel);
  const width = Math.max(...scores.map((s) => s.label.length));
  return [
    `held-out images: ${heldOut} (centre crops, bicubic ×4 down, PSNR-Y):`,
    ...scores.map((s, i) => {
      const gain = i === scores.length - 1 && start ? ` (${s.psnrY - start.psnrY >= 0 ? '+' : ''}${(s.psnrY - start.psnrY).toFixed(2)} dB against ${fromLabel})` : '';
      return `  ${s.label.padEnd(width)}  ${s.psnrY.toFixed(2)} dB${gain}`;
    }),
  ];
}

/** Runs `train style` with `run` wiring the abort signal and progress; returns what to print on stdout. */
export async function trainStyleCommand(values: TrainValues & { from?: string }, io: CliIO, run: <T>(work: (ctx: RunContext) => Promise<T>) => Promise<T>): Promise<{ interrupted: boolean; lines: string[] }> {
  const options = styleRunOptions(values, io.env);
  const { trainStyle } = await import('../../../trainer/src/index.ts');
  const result = await run((ctx) => trainStyle(options, { ...ctx, log: (m) => io.err(m) }));
  if (result.interrupted) return { interrupted: true, lines: [] };
  return {
    interrupted: false,
    lines: [
      ...styleScoreLines(result.scores, result.heldOut.length, options.fromLabel),
      `style ${options.id} written to ${result.modelDir} after ${result.step} steps; use it with --model ${options.id} (a running bridge lists it without a restart)`,
    ],
  };
}
