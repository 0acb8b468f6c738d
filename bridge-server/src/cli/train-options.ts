/** The flags of `tsdsr train vae|teacher|tsd`, checked and turned into the trainer's run options. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SMALL_PRESETS, smallFamily, type SmallPresetName } from '../../../trainer/src/loop/family.ts';
import { RUN_DEFAULTS, type RunOptions } from '../../../trainer/src/loop/run-options.ts';
import { configDir, modelRoots } from '../paths.ts';
import { parseCommandLine, parseDevice, parseInteger, UsageError } from './args.ts';

/** A stage `tsdsr train` runs on its own. */
export type TrainStage = 'vae' | 'teacher' | 'tsd';

/** What `train recipe --stage` may name: a stage, or every refinement run. */
export type RecipeStageName = TrainStage | 'refine';

/** parseArgs options of every form of the command. */
export const TRAIN_OPTIONS = {
  data: { type: 'string' }, out: { type: 'string' }, vae: { type: 'string' }, teacher: { type: 'string' }, 'init-student': { type: 'string' }, 'from-model': { type: 'string' }, from: { type: 'string' }, minutes: { type: 'string' }, 'detail-crops': { type: 'string' }, 'repeat-folder': { type: 'string', multiple: true },
  steps: { type: 'string' }, batch: { type: 'string' }, crop: { type: 'string' }, lr: { type: 'string' }, 'reg-lr': { type: 'string' },
  style: { type: 'string' }, id: { type: 'string' }, name: { type: 'string' }, 'model-out': { type: 'string' }, 'lpips-weights': { type: 'string' },
  'checkpoint-every': { type: 'string' }, 'progress-every': { type: 'string' }, seed: { type: 'string' }, device: { type: 'string' }, resume: { type: 'boolean' },
  arch: { type: 'string' }, scales: { type: 'string' }, degradation: { type: 'string' }, 'bicubic-share': { type: 'string' },
  'student-timestep': { type: 'string' }, 'lora-rank': { type: 'string' }, 'dasm-steps': { type: 'string' },
  'regulariser-weight': { type: 'string' }, 'guidance-scale': { type: 'string' }, 'warmup-steps': { type: 'string' },
  'output-gate': { type: 'boolean' }, 'frozen-encoder': { type: 'boolean' }, 'full-fine-tune': { type: 'boolean' }, stage: { type: 'string' },
  'adversarial-weight': { type: 'string' }, 'disc-lr': { type: 'string' }, 'disc-widths': { type: 'string' }, 'target-usm': { type: 'boolean' },
  'feature-matching-weight': { type: 'string' }, 'init-discriminator': { type: 'string' }, 'gradient-variance-weight': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The parsed flags. */
export type TrainValues = ReturnType<typeof parseCommandLine<typeof TRAIN_OPTIONS>>['values'];
type Flag = keyof TrainValues;

/** Flags only some stages read; any other stage refuses them rather than ignoring them. */
const STAGE_FLAGS: Readonly<Partial<Record<Flag, readonly TrainStage[]>>> = Object.freeze({
  vae: ['teacher'], teacher: ['tsd'], arch: ['vae', 'teacher'],
  'reg-lr': ['tsd'], id: ['tsd'], name: ['tsd'], 'model-out': ['tsd'], 'lpips-weights': ['tsd'], 'student-timestep': ['tsd'],
  'lora-rank': ['tsd'], 'dasm-steps': ['tsd'], 'regulariser-weight': ['tsd'], 'guidance-scale': ['tsd'], 'output-gate': ['tsd'], 'frozen-encoder': ['tsd'], 'full-fine-tune': ['tsd'], 'init-student': ['tsd'], 'from-model': ['tsd'],
  'adversarial-weight': ['tsd'], 'disc-lr': ['tsd'], 'disc-widths': ['tsd'], 'target-usm': ['tsd'], 'feature-matching-weight': ['tsd'], 'init-discriminator': ['tsd'], 'gradient-variance-weight': ['tsd'],
  stage: [],
});

const DEGRADATIONS = Object.freeze(['realesrgan', 'bicubic', 'mixed'] as const);
const MAX_SCALE = 8;

function checkStageFlags(values: TrainValues, stage: TrainStage): void {
  for (const [flag, stages] of Object.entries(STAGE_FLAGS) as [Flag, readonly TrainStage[]][]) {
    if (values[flag] === undefined || stages.includes(stage)) continue;
    const where = stages.length === 0 ? 'train recipe' : stages.map((s) => `train ${s}`).join(' and ');
    throw new UsageError(`--${flag} applies to ${where}, not to train ${stage}`);
  }
}

function need(values: TrainValues, stage: TrainStage): void {
  const keys: Flag[] = ['data', 'out', ...(stage === 'teacher' ? ['vae' as const] : stage === 'tsd' && values['from-model'] === undefined ? ['teacher' as const] : [])];
  const missing = keys.filter((k) => values[k] === undefined);
  if (missing.length > 0) throw new UsageError(`train ${stage} needs ${missing.map((k) => `--${k} <dir>`).join(', ')}`);
}

/** A number within [min, max] (above min when `minExclusive`), or undefined when the flag is absent. */
function parseNumber(flag: Flag, text: string | undefined, min: number, max: number, minExclusive = false): number | undefined {
  if (text === undefined) return undefined;
  const value = text.trim() === '' ? NaN : Number(text);
  if (Number.isFinite(value) && (minExclusive ? value > min : value >= min) && value <= max) return value;
  const range = minExclusive ? `above ${min} and at most ${max}` : `from ${min} to ${max}`;
  throw new UsageError(`--${flag} ${text}: use a number ${range}`);
}

function parseRate(flag: Flag, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!(value > 0 && value < 1)) throw new UsageError(`--${flag} ${text}: use a number between 0 and 1, e.g. 1e-4`);
  return value;
}

function parseArch(text: string | undefined): SmallPresetName | undefined {
  if (text === undefined) return undefined;
  if (!Object.hasOwn(SMALL_PRESETS, text)) throw new UsageError(`--arch ${text}: use one of ${Object.keys(SMALL_PRESETS).join(', ')}`);
  return text as SmallPresetName;
}

function parseDegradation(text: string | undefined): RunOptions['degradation'] | undefined {
  if (text === undefined) return undefined;
  if (!(DEGRADATIONS as readonly string[]).includes(text)) throw new UsageError(`--degradation ${text}: use one of ${DEGRADATIONS.join(', ')}`);
  return text as RunOptions['degradation'];
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** `--disc-widths 32,64,128,128`: 2 to 6 whole widths from 4 to 512 (conv_in's, then one per stride-2 block). */
export function parseDiscWidths(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const widths = text.split(',').map((part) => (part.trim() === '' ? NaN : Number(part)));
  if (widths.length < 2 || widths.length > 6 || !widths.every((w) => Number.isInteger(w) && w >= 4 && w <= 512)) {
    throw new UsageError(`--disc-widths ${text}: use 2 to 6 whole numbers from 4 to 512 separated by commas, e.g. --disc-widths 32,64,128,128`);
  }
  return widths;
}

/** `--scales 2,3,4`: distinct whole factors from 1 to 8, each dividing the HR crop. */
export function parseScales(text: string | undefined, cropSizePx: number): number[] | undefined {
  if (text === undefined) return undefined;
  const scales = text.split(',').map((part) => (part.trim() === '' ? NaN : Number(part)));
  if (!scales.every((s) => Number.isInteger(s) && s >= 1 && s <= MAX_SCALE)) {
    throw new UsageError(`--scales ${text}: use whole numbers from 1 to ${MAX_SCALE} separated by commas, e.g. --scales 2,3,4`);
  }
  if (new Set(scales).size !== scales.length) throw new UsageError(`--scales ${text}: a scale is repeated`);
  const multiple = scales.reduce((lcm, s) => (lcm * s) / gcd(lcm, s), 1);
  if (cropSizePx % multiple !== 0) {
    const suggestion = Math.max(multiple, cropSizePx - (cropSizePx % multiple));
    throw new UsageError(`--scales ${text}: the crop (${cropSizePx} px) must be a multiple of every scale, so of ${multiple}; e.g. --crop ${suggestion}`);
  }
  return scales;
}

function parseBicubicShare(text: string | undefined, degradation: RunOptions['degradation']): number | undefined {
  const share = parseNumber('bicubic-share', text, 0, 1);
  if (share !== undefined && degradation !== 'mixed') throw new UsageError(`--bicubic-share applies only with --degradation mixed (this run's is ${degradation})`);
  return share;
}

/** `--repeat-folder photos=3` (repeatable): how many times per epoch the images under a top-level folder are drawn. */
function parseFolderRepeats(items: string[] | undefined): Record<string, number> | undefined {
  if (!items) return undefined;
  return Object.fromEntries(items.map((item) => {
    const m = /^([^=/\\]+)=(\d+)$/.exec(item);
    if (!m || Number(m[2]) < 1) throw new UsageError(`--repeat-folder ${item}: use <folder>=<times>, e.g. --repeat-folder photos=3`);
    return [m[1], Number(m[2])];
  }));
}

function parseId(text: string | undefined): string {
  const id = text ?? 'tsdsr-small';
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(id)) throw new UsageError(`--id ${id}: use lower-case letters, digits, '.', '_' or '-'`);
  return id;
}

/** A display name for the exported model: trimmed, not empty, at most 80 characters, or undefined when absent. */
function parseName(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const name = text.trim();
  const control = [...name].some((ch) => (ch.codePointAt(0) as number) < 0x20);
  if (name === '' || name.length > 80 || control) throw new UsageError(`--name ${JSON.stringify(text)}: use 1 to 80 printable characters`);
  return name;
}

/**
 * `--from-model`: a model directory, or the id of a model the bridge lists (the user's models folder, then the shipped zoo).
 */
export function resolveModelDir(text: string, env: NodeJS.ProcessEnv): string {
  if (existsSync(join(text, 'model.json'))) return text;
  if (/^[a-z0-9][a-z0-9._-]*$/.test(text)) {
    const found = modelRoots(configDir(env)).map((root) => join(root, text)).find((dir) => existsSync(join(dir, 'model.json')));
    if (found) return found;
  }
  throw new UsageError(`--from-model ${text}: no model directory (with a model.json) of that path, nor a model of that id in ${modelRoots(configDir(env)).join(' or ')}`);
}

/** Checks the flags of one stage and returns its run options (absent flags keep the stage's defaults). */
export function trainRunOptions(stage: TrainStage, values: TrainValues, env: NodeJS.ProcessEnv) {
  need(values, stage);
  checkStageFlags(values, stage);
  const defaults = RUN_DEFAULTS[stage];
  const cropSizePx = parseInteger('crop', values.crop, 16, 4096);
  const degradation = parseDegradation(values.degradation);
  const every = parseInteger('checkpoint-every', values['checkpoint-every'], 1, 1e9);
  const id = parseId(values.id);
  checkCropFitsPreset(cropSizePx, parseArch(values.arch), stage);
  const options = {
    data: values.data as string, out: values.out as string, vae: values.vae, teacher: values.teacher, style: values.style, id, name: parseName(values.name),
    steps: parseInteger('steps', values.steps, 1, 1e9), batch: parseInteger('batch', values.batch, 1, 256), cropSizePx,
    lr: parseRate('lr', values.lr), regLr: parseRate('reg-lr', values['reg-lr']), warmupSteps: parseInteger('warmup-steps', values['warmup-steps'], 0, 1e9),
    arch: parseArch(values.arch), scales: parseScales(values.scales, cropSizePx ?? defaults.cropSizePx), degradation,
    bicubicShare: parseBicubicShare(values['bicubic-share'], degradation ?? defaults.degradation), detailCandidates: parseInteger('detail-crops', values['detail-crops'], 1, 64), folderRepeats: parseFolderRepeats(values['repeat-folder']),
    studentTimestep: parseNumber('student-timestep', values['student-timestep'], 0, 1000, true), outputGate: values['output-gate'], encoderLora: values['frozen-encoder'] ? false : undefined, fullFineTune: values['full-fine-tune'] || (values['init-student'] !== undefined ? true : undefined), initStudent: values['init-student'],
    fromModel: values['from-model'] === undefined ? undefined : resolveModelDir(values['from-model'], env), minutes: parseNumber('minutes', values.minutes, 0, 1e6, true),
    loraRank: parseInteger('lora-rank', values['lora-rank'], 1, 256), dasmSteps: parseInteger('dasm-steps', values['dasm-steps'], 1, 100),
    regulariserWeight: parseNumber('regulariser-weight', values['regulariser-weight'], 0, 1e6),
    adversarialWeight: parseNumber('adversarial-weight', values['adversarial-weight'], 0, 1e6), discriminatorLr: parseRate('disc-lr', values['disc-lr']), discriminatorWidths: parseDiscWidths(values['disc-widths']), targetUsm: values['target-usm'],
    featureMatchingWeight: parseNumber('feature-matching-weight', values['feature-matching-weight'], 0, 1e6), initDiscriminator: values['init-discriminator'],
    gradientVarianceWeight: parseNumber('gradient-variance-weight', values['gradient-variance-weight'], 0, 1e6),
    guidanceScale: parseNumber('guidance-scale', values['guidance-scale'], 0, 100),
    checkpointEvery: every, sampleEvery: every, seed: parseInteger('seed', values.seed, 0, 2 ** 31), device: parseDevice(values.device ?? 'cpu'),
    resume: values.resume ?? false, lpipsWeights: values['lpips-weights'], exportDir: values['model-out'] ?? join(configDir(env), 'models', id),
  };
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as typeof options;
}

/**
 * The crop must fit the chosen preset: a multiple of the VAE's latent factor, and for the teacher also of the denoiser's
 * latent multiple. Checked for train vae and for train teacher given --arch; otherwise the preset comes from an
 * earlier run's folder, read when the run starts.
 */
function checkCropFitsPreset(cropSizePx: number | undefined, arch: SmallPresetName | undefined, stage: TrainStage): void {
  if (cropSizePx === undefined || stage === 'tsd' || (stage === 'teacher' && arch === undefined)) return;
  const presetName = arch ?? RUN_DEFAULTS[stage].arch;
  const family = smallFamily(SMALL_PRESETS[presetName]);
  const multiple = stage === 'vae' ? family.latentFactor : family.latentFactor * family.latentMultiple;
  if (cropSizePx % multiple === 0) return;
  const below = cropSizePx - (cropSizePx % multiple);
  const suggestion = below >= multiple ? `--crop ${below} or --crop ${below + multiple}` : `--crop ${multiple}`;
  throw new UsageError(`--crop ${cropSizePx}: the ${presetName} preset needs a multiple of ${multiple} for train ${stage}; e.g. ${suggestion}`);
}

/** Flags `train recipe` accepts besides its file (--stage, --progress-every): the recipe holds every other option. */
export function checkRecipeFlags(values: TrainValues): RecipeStageName | undefined {
  const given = (Object.keys(values) as Flag[]).filter((flag) => values[flag] !== undefined && flag !== 'stage' && flag !== 'help' && flag !== 'progress-every');
  if (given.length > 0) throw new UsageError(`train recipe takes only --stage and --progress-every; put --${given[0]} in the recipe file instead`);
  const stage = values.stage;
  if (stage !== undefined && stage !== 'vae' && stage !== 'teacher' && stage !== 'tsd' && stage !== 'refine') throw new UsageError(`--stage ${stage}: use vae, teacher, tsd or refine`);
  return stage;
}
