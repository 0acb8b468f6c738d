/**
 * Where `tsdsr upscale` writes each result, and in which format: `<name>@<scale>x.<ext>` next to the input, in a
 * directory, or one named file (whose extension gives the format).
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { OutputFormat } from '../../../models/runtime/codec-node.ts';
import { UsageError } from './args.ts';

/** The file extension each output format is written with. */
export const FORMAT_EXTENSION: Readonly<Record<OutputFormat, string>> = Object.freeze({ png: '.png', jpeg: '.jpg', webp: '.webp' });

/** The output format a file name's extension names (`.png`, `.jpg`, `.jpeg`, `.webp`, any case), or undefined. */
export function formatOfName(path: string): OutputFormat | undefined {
  const ext = extname(path).toLowerCase();
  return ext === '.png' ? 'png' : ext === '.jpg' || ext === '.jpeg' ? 'jpeg' : ext === '.webp' ? 'webp' : undefined;
}

/** The default result file name for an input at a scale, e.g. `photo.jpg` at 4 → `photo@4x.png` (`photo@4x.jpg` as JPEG). */
export function defaultOutputName(input: string, scale: number, format: OutputFormat = 'png'): string {
  const name = basename(input, extname(input));
  return `${name}@${Number(scale.toFixed(4))}x${FORMAT_EXTENSION[format]}`;
}

async function kindOf(path: string): Promise<'file' | 'directory' | 'missing'> {
  return stat(path).then((s) => (s.isDirectory() ? 'directory' : 'file'), () => 'missing');
}

/** An input and where its result goes. */
export interface OutputPlan {
  input: string;
  output: string;
}

/**
 * Decides output paths and the format; throws UsageError for an impossible `-o` (a file for several inputs, a name
 * that is not .png, .jpg, .jpeg or .webp, one that disagrees with `format`) and for clashes. The format is `format`
 * when given, else the `-o` file's extension, else PNG.
 */
export async function planOutputs(inputs: readonly string[], output: string | undefined, scale: number, format?: OutputFormat): Promise<{ plans: OutputPlan[]; format: OutputFormat; createDir?: string }> {
  const kind = output === undefined ? 'missing' : await kindOf(output);
  const wantsDir = output !== undefined && (kind === 'directory' || /[/\\]$/.test(output) || inputs.length > 1);
  if (output !== undefined && inputs.length > 1 && kind === 'file') {
    throw new UsageError(`-o ${output} is a file, but several inputs need a directory; pass -o <directory>`);
  }
  const named = output !== undefined && !wantsDir ? formatOfName(output) : undefined;
  if (output !== undefined && !wantsDir && named === undefined) {
    throw new UsageError(`-o ${output}: results are PNG, JPEG or WebP files; use a name ending in .png, .jpg or .webp, or a directory`);
  }
  if (named !== undefined && format !== undefined && named !== format) {
    throw new UsageError(`-o ${output} names a ${named.toUpperCase()} file but --format is ${format}; make them agree, or leave --format out`);
  }
  const chosen = format ?? named ?? 'png';
  const plans = inputs.map((input) => ({
    input,
    output: resolve(output === undefined ? join(dirname(input), defaultOutputName(input, scale, chosen)) : wantsDir ? join(output, defaultOutputName(input, scale, chosen)) : output),
  }));
  const seen = new Map<string, string>();
  for (const plan of plans) {
    const other = seen.get(plan.output);
    if (other) throw new UsageError(`${other} and ${plan.input} would both be written to ${plan.output}; upscale them separately with -o`);
    if (resolve(plan.input) === plan.output) throw new UsageError(`${plan.input} would overwrite itself; pass -o`);
    seen.set(plan.output, plan.input);
  }
  return { plans, format: chosen, ...(wantsDir && kind === 'missing' ? { createDir: output } : {}) };
}
