/** Stage `teacher`: flow-matching pre-training of the denoiser on HR latents, logit-normal timesteps, 10 % style dropout for CFG. */
import { Graph, mul, sub } from '../../../../models/graph/index.ts';
import { MapWeightSource, type WeightTensor } from '../../../../models/nets/index.ts';
import { flowMatchingSchedule, noisyLatent, sampleTimestepIndexByDensity } from '../../tsd/index.ts';
import type { Rng, TrainingBatch } from '../../data/index.ts';
import { styleEmbedding, type LatentFamily } from '../family.ts';
import { learningRateAt, type LrScheduleOptions } from '../lr-schedule.ts';
import type { StageStepResult, TrainStage } from '../runner.ts';
import { TrainSession, type FloatTensor } from '../train-session.ts';
import { mse, normalTensor, perSample, signedImages, vector } from './common.ts';

/** Settings of the teacher stage. */
export interface TeacherStageOptions {
  family: LatentFamily;
  vae: Map<string, WeightTensor>;
  scalingFactor: number;
  weights: Map<string, WeightTensor>;
  batch: number;
  cropSizePx: number;
  /** Probability of replacing a sample's style by the null embedding (classifier-free guidance). */
  styleDropout: number;
  lr: LrScheduleOptions;
  device?: 'cpu' | 'webgpu' | 'cuda' | 'auto';
}

/** Builds the teacher's training step: z = E(x_H)·scale, z_t = σε + (1 − σ)z, loss MSE(v(z_t, t, style), ε − z). */
export async function createTeacherStage(o: TeacherStageOptions): Promise<TrainStage> {
  const g = new Graph('teacher_train');
  const [b, f, s] = [o.batch, o.family.latentFactor, o.cropSizePx];
  const latentDims = [b, o.family.latentChannels, s / f, s / f];
  const image = g.input('image', 'float32', [b, 3, s, s]);
  const [noise, sigma, timestep] = [g.input('noise', 'float32', latentDims), g.input('sigma', 'float32', [b]), g.input('timestep', 'float32', [b])];
  const [condition, drop] = [g.input('condition', 'float32', [b, o.family.styleDim]), g.input('drop', 'float32', [b])];
  const z = mul(g, o.family.encoder(g, new MapWeightSource(o.vae), image, { namePrefix: 'vae.' }), o.scalingFactor);
  const zt = noisyLatent(g, z, noise, perSample(g, sigma));
  const v = o.family.denoiser(g, new MapWeightSource(o.weights), { hiddenStates: zt, timestep, condition, dropCondition: drop }, { asInput: () => true });
  const loss = mse(g, v, sub(g, noise, z));
  const params = new Map<string, FloatTensor>([...o.weights].map(([k, t]) => [k, { dims: t.dims, data: t.data }]));
  const session = await TrainSession.create({ name: 'teacher', graph: g, loss, params, device: o.device });
  const schedule = flowMatchingSchedule();
  const styles = new Map<string, Float32Array>();
  const embed = (name: string): Float32Array => styles.get(name) ?? styles.set(name, styleEmbedding(name, o.family.styleDim)).get(name)!;
  const step = async (batch: TrainingBatch, rng: Rng, k: number): Promise<StageStepResult> => {
    const uniform = (): number => rng.next();
    const indices = Array.from({ length: b }, () => sampleTimestepIndexByDensity(uniform, schedule.numTrainTimesteps));
    const drops = Array.from({ length: b }, () => (rng.next() < o.styleDropout ? 1 : 0));
    const cond = new Float32Array(b * o.family.styleDim);
    batch.styles.forEach((name, i) => cond.set(embed(name), i * o.family.styleDim));
    const lr = learningRateAt(o.lr, k);
    const r = await session.run({
      image: signedImages(batch.hr, [b, 3, s, s]), noise: normalTensor(rng, latentDims),
      sigma: vector(indices.map((i) => schedule.sigmas[i] as number)), timestep: vector(indices.map((i) => schedule.timesteps[i] as number)),
      condition: { dims: [b, o.family.styleDim], data: cond }, drop: vector(drops),
    }, k, lr);
    return { losses: { loss: r.loss }, learningRates: { teacher: lr } };
  };
  return { name: 'teacher', sessions: [session], step };
}
