/** REST shapes of training jobs: the body of `POST /v1/train` and the status of a job (`GET /v1/train[/:id]`). */
import { Type, type Static } from '@sinclair/typebox';
import { ModelId } from './models.ts';

/** Training jobs that may wait behind the running one; one more is refused with `busy`. */
export const MAX_QUEUED_TRAINING_JOBS = 4;

/**
 * What a job trains: the small VAE, the small teacher, a TSD student exported as a model, or a style (`tsdsr train
 * style`: a model fine-tuned further on the folder within a time budget, scored on a held-out part of it).
 */
export const TrainKind = Type.Union([Type.Literal('vae'), Type.Literal('teacher'), Type.Literal('tsd'), Type.Literal('style')]);
/** See {@link TrainKind}. */
export type TrainKind = Static<typeof TrainKind>;

const ServerPath = Type.String({ minLength: 1, maxLength: 4096 });
/** A number whose range `tsdsr train` checks (the API reuses the CLI's validation, so the messages match). */
const Num = Type.Number();

/**
 * Body of `POST /v1/train`: the options of `tsdsr train vae|teacher|tsd`, camelCased (`--reg-lr` is `regLr`), with
 * the CLI's defaults and checks. Paths are absolute paths on the server's machine, under a `--train-root` (or, for
 * `vae`, `teacher` and `initStudent`, under the server's training folder). `vae` needs `data`; `teacher` needs `data`
 * and `vae` (a vae job's output); `tsd` needs `data` and `teacher`, or `fromModel` instead of `teacher`; `style` needs
 * `data` and `name`, and starts from `fromModel` (default `tsdsr-fast`).
 * The output folder, export folder and device are the server's; `--resume` is `POST /v1/train/:id/resume`.
 */
export const TrainRequest = Type.Object({
  kind: TrainKind,
  data: ServerPath,
  vae: Type.Optional(ServerPath),
  teacher: Type.Optional(ServerPath),
  style: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  steps: Type.Optional(Num),
  batch: Type.Optional(Num),
  crop: Type.Optional(Num),
  lr: Type.Optional(Num),
  seed: Type.Optional(Num),
  /** (vae, teacher) Architecture preset of the small family: `small` or `fast`; a tsd job uses its teacher's. */
  arch: Type.Optional(Type.String({ maxLength: 32 })),
  degradation: Type.Optional(Type.String({ maxLength: 32 })),
  /** With degradation `mixed`, the share of bicubic samples. */
  bicubicShare: Type.Optional(Num),
  /** Factors each sample's scale is drawn from, e.g. [2, 3, 4]. */
  scales: Type.Optional(Type.Array(Num, { minItems: 1, maxItems: 8 })),
  warmupSteps: Type.Optional(Num),
  detailCrops: Type.Optional(Num),
  /** Times per epoch the images under a top-level folder of `data` are drawn, e.g. { "photos": 3 }. */
  repeatFolder: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 255 }), Num)),
  checkpointEvery: Type.Optional(Num),
  /** (tsd) The tsd-only options of `tsdsr train tsd`. */
  regLr: Type.Optional(Num),
  studentTimestep: Type.Optional(Num),
  loraRank: Type.Optional(Num),
  dasmSteps: Type.Optional(Num),
  regulariserWeight: Type.Optional(Num),
  guidanceScale: Type.Optional(Num),
  adversarialWeight: Type.Optional(Num),
  discLr: Type.Optional(Num),
  featureMatchingWeight: Type.Optional(Num),
  gradientVarianceWeight: Type.Optional(Num),
  targetUsm: Type.Optional(Type.Boolean()),
  outputGate: Type.Optional(Type.Boolean()),
  frozenEncoder: Type.Optional(Type.Boolean()),
  fullFineTune: Type.Optional(Type.Boolean()),
  /** (tsd) An earlier tsd job's output folder to start the student from. */
  initStudent: Type.Optional(ServerPath),
  /** (tsd, style) A model id from `GET /v1/models`, or a model folder under a training root, to train further instead of a teacher. */
  fromModel: Type.Optional(ServerPath),
  /** A time budget in minutes: the run fits its step count to it. */
  minutes: Type.Optional(Num),
  /** (tsd, style) The exported model's id; default `tsdsr-<job id>` (tsd) or one made from `name` (style). */
  id: Type.Optional(ModelId),
  /** (tsd, style) The exported model's display name (required for a style). */
  name: Type.Optional(Type.String({ maxLength: 256 })),
}, { additionalProperties: false });
/** See {@link TrainRequest}. */
export type TrainRequest = Static<typeof TrainRequest>;

/** Where a job is in its life. */
export const TrainState = Type.Union([
  Type.Literal('queued'), Type.Literal('running'), Type.Literal('done'), Type.Literal('failed'), Type.Literal('cancelled'),
]);
/** See {@link TrainState}. */
export type TrainState = Static<typeof TrainState>;

/** A training job as `GET /v1/train/:id` reports it. */
export const TrainJobStatus = Type.Object({
  id: Type.String(),
  kind: TrainKind,
  status: TrainState,
  /** Steps completed so far, of `steps`. */
  step: Type.Integer({ minimum: 0 }),
  steps: Type.Integer({ minimum: 1 }),
  /** Losses of the latest completed step (names as in the run's train.jsonl), or null before the first. */
  losses: Type.Union([Type.Record(Type.String(), Type.Number()), Type.Null()]),
  /** Estimated seconds to completion while running, else null. */
  etaSeconds: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
  /** (tsd, style, when done) The model id now listed by `GET /v1/models`. */
  model: Type.Optional(ModelId),
  /** (style, when done) The data folder's images held out of training to score the style (paths relative to it). */
  heldOut: Type.Optional(Type.Array(Type.String())),
  /** (style, when done with images held out) Mean ×4 PSNR-Y in dB on them: bicubic, the start model, then the style. */
  scores: Type.Optional(Type.Array(Type.Object({ label: Type.String(), psnrY: Type.Number() }))),
  /** The run options the request resolved to (the trainer's names, e.g. `cropSizePx`); the server's defaults fill the rest. */
  options: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  /** The run's output folder (checkpoints, train.jsonl, samples; for vae/teacher the trained weights). */
  outDir: Type.String(),
  /** Why the job failed. */
  error: Type.Optional(Type.String()),
  createdAt: Type.String(),
  startedAt: Type.Optional(Type.String()),
  finishedAt: Type.Optional(Type.String()),
});
/** See {@link TrainJobStatus}. */
export type TrainJobStatus = Static<typeof TrainJobStatus>;

/** Body of `GET /v1/train`: every job of this server process, oldest first. */
export const TrainJobList = Type.Object({ jobs: Type.Array(TrainJobStatus) });
/** See {@link TrainJobList}. */
export type TrainJobList = Static<typeof TrainJobList>;

/** Path parameters of `GET|DELETE /v1/train/:id` and `POST /v1/train/:id/resume`. */
export const TrainJobParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
/** See {@link TrainJobParams}. */
export type TrainJobParams = Static<typeof TrainJobParams>;
