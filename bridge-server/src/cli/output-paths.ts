/**
 * Where `tsdsr upscale` writes each result, and in which format: `<name>@<scale>x.<ext>` next to the input, in a
 * directory, or one named file (whose extension gives the format).
 */
import { readdir, stat } from 'node:fs/promises';
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

/** A result's default name: `<name>@<scale>x.<png|jpg|webp>` (what {@link defaultOutputName} writes). */
const RESULT_NAME = /@\d+(\.\d+)?x\.(png|jpe?g|webp)$/i;

/** The inputs with each folder replaced by its images: its .png, .jpg, .jpeg and .webp files (not sub-folders), in name order. */
export interface ExpandedInputs {
  /** Every input file: named files as given, each folder's images in its place. */
  files: string[];
  /** Whether any input was a folder (its results then go to a directory, like several inputs'). */
  fromFolder: boolean;
  /** Files left out of folders because their names are earlier results (`photo@4x.png`). */
  skippedResults: string[];
}

/**
 * Expands folder inputs into their images (not recursive; names read as results of an earlier run are left out, so
 * running the same command twice does not upscale the results); files named directly are kept as given, whatever
 * their names. Throws UsageError for a folder with no image in it.
 */
export async function expandInputs(inputs: readonly string[]): Promise<ExpandedInputs> {
  const files: string[] = [];
  const skippedResults: string[] = [];
  let fromFolder = false;
  for (const input of inputs) {
    if ((await kindOf(input)) !== 'directory') {
      files.push(input);
      continue;
    }
    fromFolder = true;
    const entries = (await readdir(input, { withFileTypes: true })).filter((e) => e.isFile() && formatOfName(e.name) !== undefined).map((e) => e.name).sort();
    const images = entries.filter((name) => !RESULT_NAME.test(name));
    skippedResults.push(...entries.filter((name) => RESULT_NAME.test(name)).map((name) => join(input, name)));
    if (images.length === 0) {
      throw new UsageError(`${input}: a folder with no PNG, JPEG or WebP image in it${entries.length > 0 ? ` (only earlier results, named like ${entries[0]})` : ''}`);
    }
    files.push(...images.map((name) => join(input, name)));
  }
  return { files, fromFolder, skippedResults };
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
export async function planOutputs(inputs: readonly string[], output: string | undefined, scale: number, format?: OutputFormat, fromFolder = false): Promise<{ plans: OutputPlan[]; format: OutputFormat; createDir?: string }> {
  const kind = output === undefined ? 'missing' : await kindOf(output);
  const several = inputs.length > 1 || fromFolder;
  const wantsDir = output !== undefined && (kind === 'directory' || /[/\\]$/.test(output) || several);
  // a file, or a new name ending in an image extension (meant as a file): several results cannot go there
  const fileLike = kind === 'file' || (kind === 'missing' && output !== undefined && !/[/\\]$/.test(output) && formatOfName(output) !== undefined);
  if (output !== undefined && several && fileLike) {
    throw new UsageError(`-o ${output} is ${kind === 'file' ? 'a file' : 'a file name'}, but ${fromFolder ? 'a folder input' : 'several inputs'} need${fromFolder ? 's' : ''} a directory; pass -o <directory>`);
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
