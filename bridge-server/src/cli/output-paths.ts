/** Where `tsdsr upscale` writes each result: `<name>@<scale>x.png` next to the input, in a directory, or one named file. */
import { stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { UsageError } from './args.ts';

/** The default result file name for an input at a scale, e.g. `photo.jpg` at 4 → `photo@4x.png`. */
export function defaultOutputName(input: string, scale: number): string {
  const name = basename(input, extname(input));
  return `${name}@${Number(scale.toFixed(4))}x.png`;
}

async function kindOf(path: string): Promise<'file' | 'directory' | 'missing'> {
  return stat(path).then((s) => (s.isDirectory() ? 'directory' : 'file'), () => 'missing');
}

/** An input and where its result goes. */
export interface OutputPlan {
  input: string;
  output: string;
}

/** Decides output paths; throws UsageError for an impossible `-o` (a file for several inputs, a non-PNG name, clashes). */
export async function planOutputs(inputs: readonly string[], output: string | undefined, scale: number): Promise<{ plans: OutputPlan[]; createDir?: string }> {
  const kind = output === undefined ? 'missing' : await kindOf(output);
  const wantsDir = output !== undefined && (kind === 'directory' || /[/\\]$/.test(output) || inputs.length > 1);
  if (output !== undefined && inputs.length > 1 && kind === 'file') {
    throw new UsageError(`-o ${output} is a file, but several inputs need a directory; pass -o <directory>`);
  }
  if (output !== undefined && !wantsDir && extname(output).toLowerCase() !== '.png') {
    throw new UsageError(`-o ${output}: results are PNG files; use a name ending in .png, or a directory`);
  }
  const plans = inputs.map((input) => ({
    input,
    output: resolve(output === undefined ? join(dirname(input), defaultOutputName(input, scale)) : wantsDir ? join(output, defaultOutputName(input, scale)) : output),
  }));
  const seen = new Map<string, string>();
  for (const plan of plans) {
    const other = seen.get(plan.output);
    if (other) throw new UsageError(`${other} and ${plan.input} would both be written to ${plan.output}; upscale them separately with -o`);
    if (resolve(plan.input) === plan.output) throw new UsageError(`${plan.input} would overwrite itself; pass -o`);
    seen.set(plan.output, plan.input);
  }
  return { plans, ...(wantsDir && kind === 'missing' ? { createDir: output } : {}) };
}
