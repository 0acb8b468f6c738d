/** Command-line parsing shared by the commands: usage errors (exit 2) and checked option values. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { COLOR_FIXES, DEVICE_CHOICES, validateScale, type ColorFix, type DeviceChoice } from '../../../models/runtime/index.ts';
import { OUTPUT_FORMATS, type OutputFormat } from '../../../models/runtime/codec-node.ts';
import { TILE_RANGE } from '../protocol/index.ts';

/** Exit codes a shell user can act on. */
export const EXIT = Object.freeze({ ok: 0, failure: 1, usage: 2, interrupted: 130 });

/** A mistake in how the command was called; the CLI prints it with a hint and exits with 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;
type StrictConfig<O extends OptionsConfig> = { args: string[]; options: O; strict: true; allowPositionals: true };

/**
 * `--steps -5` as `--steps=-5`: parseArgs reads an argument starting with '-' as an option and calls the value ambiguous,
 * so a negative number after a string option is joined to it and the option's own check names the problem.
 */
function joinNegativeValues(args: readonly string[], options: OptionsConfig): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const next = args[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : null;
    if (name !== null && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** node:util parseArgs in strict mode with positionals, its errors turned into UsageErrors. */
export function parseCommandLine<O extends OptionsConfig>(args: string[], options: O): ReturnType<typeof parseArgs<StrictConfig<O>>> {
  try {
    return parseArgs<StrictConfig<O>>({ args: joinNegativeValues(args, options), options, strict: true, allowPositionals: true });
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (code.startsWith('ERR_PARSE_ARGS')) throw new UsageError((err as Error).message);
    throw err;
  }
}

/** A scale factor: a number above 1 and at most 8. */
export function parseScale(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const scale = Number(text);
  try {
    validateScale(scale);
  } catch {
    throw new UsageError(`--scale ${text}: use a number above 1 and at most 8, e.g. --scale 4 or --scale 2.5`);
  }
  return scale;
}

/** A device choice. */
export function parseDevice(text: string | undefined): DeviceChoice {
  if (text === undefined) return 'auto';
  if (!(DEVICE_CHOICES as readonly string[]).includes(text)) throw new UsageError(`--device ${text}: use one of ${DEVICE_CHOICES.join(', ')}`);
  return text as DeviceChoice;
}

/** A colour-fix method, or undefined for the model's default. */
export function parseColorFix(text: string | undefined): ColorFix | undefined {
  if (text === undefined) return undefined;
  if (!(COLOR_FIXES as readonly string[]).includes(text)) throw new UsageError(`--color-fix ${text}: use one of ${COLOR_FIXES.join(', ')}`);
  return text as ColorFix;
}

/** The format `--format` names (`jpg` for jpeg too), or undefined when it is not given. */
export function parseFormat(text: string | undefined): OutputFormat | undefined {
  if (text === undefined) return undefined;
  const format = text.toLowerCase() === 'jpg' ? 'jpeg' : text.toLowerCase();
  if (!(OUTPUT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format ${text}: use png, jpeg (or jpg) or webp`);
  return format as OutputFormat;
}

/** A positive integer option within a range. */
export function parseInteger(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (min >= 1 && text.trim().startsWith('-')) throw new UsageError(`--${name} must be a positive integer, got ${text}`);
  if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`--${name} ${text}: use a whole number from ${min} to ${max}`);
  return value;
}

/** A tile size in input pixels. */
export function parseTile(text: string | undefined): number | undefined {
  return parseInteger('tile', text, TILE_RANGE.min, TILE_RANGE.max);
}
