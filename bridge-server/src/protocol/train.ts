/** REST shapes of training jobs: the body of `POST /v1/train` and the status of a job (`GET /v1/train[/:id]`). */
import { Type, type Static } from '@sinclair/typebox';
import { ModelId } from './models.ts';

/** Training jobs that may wait behind the running one; one more is refused with `busy`. */
export const MAX_QUEUED_TRAINING_JOBS = 4;

/** What a job trains: the small VAE, the small teacher, or a TSD student exported as a model. */
export const TrainKind = Type.Union([Type.Literal('vae'), Type.Literal('teacher'), Type.Literal('tsd')]);
/** See {@link TrainKind}. */
export type TrainKind = Static<typeof TrainKind>;

const ServerPath = Type.String({ minLength: 1, maxLength: 4096 });

/**
 * Body of `POST /v1/train`. Paths are absolute paths on the server's machine, under a `--train-root`.
 * `vae` needs `data`; `teacher` needs `data` and `vae` (a vae job's output); `tsd` needs `data` and `teacher`.
 */
export const TrainRequest = Type.Object({
  kind: TrainKind,
  data: ServerPath,
  vae: Type.Optional(ServerPath),
  teacher: Type.Optional(ServerPath),
  style: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  steps: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  batch: Type.Optional(Type.Integer({ minimum: 1, maximum: 256 })),
  crop: Type.Optional(Type.Integer({ minimum: 16, maximum: 4096 })),
  /** (tsd) The exported model's id; default `tsdsr-<job id>`. */
  id: Type.Optional(ModelId),
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
  /** (tsd, when done) The model id now listed by `GET /v1/models`. */
  model: Type.Optional(ModelId),
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

/** Path parameters of `GET|DELETE /v1/train/:id`. */
export const TrainJobParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
/** See {@link TrainJobParams}. */
export type TrainJobParams = Static<typeof TrainJobParams>;
