/**
 * A `POST /v1/train` body as `tsdsr train` flags: the body's fields are turned into the CLI's option values and checked
 * by the CLI's own validation (cli/train-options.ts), so both surfaces accept the same options with the same messages.
 */
import type { RunOptions } from '../../../trainer/src/index.ts';
import { UsageError } from '../cli/args.ts';
import { trainRunOptions, type TrainValues } from '../cli/train-options.ts';
import { styleRunOptions } from '../cli/train-style.ts';
import { BridgeError } from '../errors.ts';
import type { TrainRequest } from '../protocol/index.ts';

/** The request fields that are `tsdsr train` flags, each with its flag (paths are checked and set by the manager). */
const FLAG_OF_FIELD = Object.freeze({
  style: 'style', steps: 'steps', batch: 'batch', crop: 'crop', lr: 'lr', seed: 'seed', arch: 'arch', degradation: 'degradation',
  bicubicShare: 'bicubic-share', scales: 'scales', warmupSteps: 'warmup-steps', detailCrops: 'detail-crops', repeatFolder: 'repeat-folder',
  checkpointEvery: 'checkpoint-every', regLr: 'reg-lr', studentTimestep: 'student-timestep', loraRank: 'lora-rank', dasmSteps: 'dasm-steps',
  regulariserWeight: 'regulariser-weight', guidanceScale: 'guidance-scale', outputGate: 'output-gate', frozenEncoder: 'frozen-encoder',
  fullFineTune: 'full-fine-tune', adversarialWeight: 'adversarial-weight', discLr: 'disc-lr', featureMatchingWeight: 'feature-matching-weight', gradientVarianceWeight: 'gradient-variance-weight', targetUsm: 'target-usm', minutes: 'minutes', id: 'id', name: 'name',
} as const satisfies Partial<Record<keyof TrainRequest, keyof TrainValues>>);

const FIELD_OF_FLAG: ReadonlyMap<string, string> = new Map([
  ...Object.entries(FLAG_OF_FIELD).map(([field, flag]) => [flag, field] as const),
  ['vae', 'vae'], ['teacher', 'teacher'], ['init-student', 'initStudent'], ['from-model', 'fromModel'], ['from', 'fromModel'], ['data', 'data'],
]);

/** A job's run options: the trainer's, plus (style) how the start model is labelled in the scores and a bicubic model to score. */
export type RequestRunOptions = Partial<RunOptions> & Pick<RunOptions, 'data' | 'out'> & { fromLabel?: string; bicubicDir?: string };

/** Paths the manager has checked against the training roots, and where the job writes. */
export interface CheckedPaths {
  data: string;
  out: string;
  vae?: string;
  teacher?: string;
  initStudent?: string;
  /** (tsd, style) The folder of the model to train further, and how the request named it. */
  fromModel?: string;
  fromLabel?: string;
  /** (tsd, style) The model id and the folder its export goes to. */
  model?: { id: string; dir: string };
}

/** A field's value as the text (or texts, or switch) its flag would carry on the command line. */
function flagValue(value: unknown): string | string[] | boolean | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true || typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(String).join(',');
  if (typeof value === 'object' && value !== null) return Object.entries(value).map(([folder, times]) => `${folder}=${String(times)}`);
  return String(value);
}

/** The CLI's message about a flag, naming the request's field instead (`--reg-lr 2: …` → `regLr 2: …`). */
export function messageForRequest(message: string): string {
  return message
    .replace(/--([a-z][a-z-]*)/g, (whole, flag: string) => FIELD_OF_FLAG.get(flag) ?? whole)
    .replace(/\btrain (vae|teacher|tsd|style)\b/g, "kind '$1'");
}

/** `tsdsr train <kind>`'s checks of the flags, and its run options; a `style` also gets the label and bicubic model to score. */
function checkedOptions(kind: TrainRequest['kind'], values: TrainValues, fromLabel: string | undefined) {
  if (kind !== 'style') return trainRunOptions(kind, values, {});
  return { ...styleRunOptions(values, {}), ...(fromLabel === undefined ? {} : { fromLabel }) };
}

/**
 * The run options of a request, checked exactly as `tsdsr train <kind>` checks its flags; a refusal is `bad_request`
 * naming the field. Device and resume are left to the manager.
 */
export function requestRunOptions(request: TrainRequest, paths: CheckedPaths): RequestRunOptions {
  const values: Record<string, unknown> = { data: paths.data, out: paths.out, vae: paths.vae, teacher: paths.teacher, 'init-student': paths.initStudent, 'from-model': paths.fromModel };
  for (const [field, flag] of Object.entries(FLAG_OF_FIELD)) values[flag] = flagValue(request[field as keyof TrainRequest]);
  if (paths.model) Object.assign(values, { id: paths.model.id, 'model-out': paths.model.dir });
  let options: ReturnType<typeof checkedOptions>;
  try {
    options = checkedOptions(request.kind, values as TrainValues, paths.fromLabel);
  } catch (err) {
    if (err instanceof UsageError) throw new BridgeError('bad_request', messageForRequest(err.message));
    throw err;
  }
  const { device: _device, resume: _resume, id, exportDir, ...rest } = options;
  return paths.model ? { ...rest, id, exportDir } : rest;
}
