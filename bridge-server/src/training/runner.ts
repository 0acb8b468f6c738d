/** How a training run is carried out: here, with the trainer (the default), or elsewhere (the team queue's workers). */
import type { TrainKind } from '../protocol/index.ts';
import type { RunOptions } from '../../../trainer/src/index.ts';

/** The run's settings, fully resolved (defaults, request, device, resume): plain data, so they can travel. */
export type TrainRunOptions = Partial<RunOptions> & { device: string; resume: boolean } & Record<string, unknown>;

/** How a run ended; `heldOut` and `scores` for style runs that were not interrupted. */
export interface TrainRunResult {
  step: number;
  interrupted: boolean;
  modelDir?: string;
  heldOut?: string[];
  scores?: { label: string; psnrY: number }[];
}

/** What a run reports to, and the signal that stops it (with a checkpoint). */
export interface TrainRunContext {
  log: (message: string) => void;
  signal: AbortSignal;
}

/** Carries out one training run. */
export interface TrainRunner {
  run(kind: TrainKind, options: TrainRunOptions, ctx: TrainRunContext): Promise<TrainRunResult>;
  /** Lets go of what the runner holds (connections). */
  close?(): Promise<void>;
}

type Trainer = typeof import('../../../trainer/src/index.ts');
let trainer: Promise<Trainer> | undefined;
/** The trainer, imported on first use so a bridge that never trains does not load it. */
export const loadTrainer = (): Promise<Trainer> => (trainer ??= import('../../../trainer/src/index.ts'));

/** Runs training on this machine with the trainer. */
export const localTrainRunner: TrainRunner = {
  async run(kind, options, ctx) {
    const { trainVae, trainTeacher, trainTsd, trainStyle } = await loadTrainer();
    const o = options as RunOptions & Record<string, unknown>;
    const end = ({ step, interrupted, modelDir }: { step: number; interrupted: boolean; modelDir?: string }): TrainRunResult => (
      { step, interrupted, ...(modelDir === undefined ? {} : { modelDir }) }
    );
    if (kind === 'vae') return end(await trainVae(o, ctx));
    if (kind === 'teacher') return end(await trainTeacher({ ...o, vae: o.vae as string }, ctx));
    if (kind === 'tsd') return end(await trainTsd({ ...o, exportDir: o.exportDir as string }, ctx));
    const result = await trainStyle({ ...o, exportDir: o.exportDir as string, fromModel: o.fromModel as string }, ctx);
    if (result.interrupted) return end(result);
    return { ...end(result), heldOut: result.heldOut, scores: result.scores.map(({ label, psnrY }) => ({ label, psnrY })) };
  },
};
