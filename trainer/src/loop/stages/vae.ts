/** Stage `vae`: the small autoencoder from nothing — L1 + (1 − SSIM) reconstruction of HR crops plus a small KL term. */
import { add, exp, Graph, mul, reduceMean, sub, type Value } from '../../../../models/graph/index.ts';
import { MapWeightSource, type WeightTensor } from '../../../../models/nets/index.ts';
import { l1SsimLoss, toUnitRange } from '../../tsd/index.ts';
import type { Rng, TrainingBatch } from '../../data/index.ts';
import type { LatentFamily } from '../family.ts';
import { learningRateAt, type LrScheduleOptions } from '../lr-schedule.ts';
import type { StageStepResult, TrainStage } from '../runner.ts';
import { TrainSession, type FloatTensor } from '../train-session.ts';
import { normalTensor, signedImages, unitImage } from './common.ts';

/** Settings of the VAE stage. */
export interface VaeStageOptions {
  family: LatentFamily;
  weights: Map<string, WeightTensor>;
  batch: number;
  cropSizePx: number;
  klWeight: number;
  lr: LrScheduleOptions;
  device?: 'cpu' | 'webgpu' | 'cuda' | 'auto';
}

/** KL(q ‖ N(0, I)) per element: 0.5·mean(μ² + σ² − 1 − log σ²). */
function klDivergence(g: Graph, mean: Value, logVariance: Value): Value {
  const terms = sub(g, add(g, mul(g, mean, mean), exp(g, logVariance)), add(g, logVariance, 1));
  return mul(g, reduceMean(g, terms, { keepdims: false }), 0.5);
}

/** The VAE stage plus `latentStd()`: the standard deviation of posterior means seen in the second half of training. */
export interface VaeStage extends TrainStage {
  latentStd(): number;
}

/** Builds the VAE training step (graph built once) and the stage around it. */
export async function createVaeStage(o: VaeStageOptions): Promise<VaeStage> {
  const g = new Graph('vae_train');
  const f = o.family.latentFactor;
  const image = g.input('image', 'float32', [o.batch, 3, o.cropSizePx, o.cropSizePx]);
  const latentDims = [o.batch, o.family.latentChannels, o.cropSizePx / f, o.cropSizePx / f];
  const noise = g.input('noise', 'float32', latentDims);
  const source = new MapWeightSource(o.weights);
  const moments = o.family.encoderMoments(g, source, image, { asInput: () => true });
  const latent = add(g, moments.mean, mul(g, exp(g, mul(g, moments.logVariance, 0.5)), noise));
  const recon = o.family.decoder(g, source, latent, { asInput: () => true });
  const rec = l1SsimLoss(g, toUnitRange(g, recon), toUnitRange(g, image));
  const kl = klDivergence(g, moments.mean, moments.logVariance);
  const loss = add(g, rec, mul(g, kl, o.klWeight));
  const params = new Map<string, FloatTensor>([...o.weights].map(([k, t]) => [k, { dims: t.dims, data: t.data }]));
  const session = await TrainSession.create({ name: 'vae', graph: g, loss, params, extras: { recon, rec, kl, latent_mean: moments.mean }, device: o.device });
  const stats = { n: 0, sum: 0, sumSq: 0 };
  const step = async (batch: TrainingBatch, rng: Rng, k: number): Promise<StageStepResult> => {
    const imageFeed = signedImages(batch.hr, [o.batch, 3, o.cropSizePx, o.cropSizePx]);
    const lr = learningRateAt(o.lr, k);
    const r = await session.run({ image: imageFeed, noise: normalTensor(rng, latentDims) }, k, lr);
    if (k > o.lr.totalSteps / 2) for (const x of (r.outputs.latent_mean as FloatTensor).data) Object.assign(stats, { n: stats.n + 1, sum: stats.sum + x, sumSq: stats.sumSq + x * x });
    const scalar = (name: string): number => (r.outputs[name] as FloatTensor).data[0] as number;
    return {
      losses: { loss: r.loss, rec: scalar('rec'), kl: scalar('kl') }, learningRates: { vae: lr },
      sheet: () => [unitImage(imageFeed.data, o.cropSizePx), unitImage((r.outputs.recon as FloatTensor).data, o.cropSizePx)],
    };
  };
  const latentStd = (): number => (stats.n === 0 ? 1 : Math.sqrt(Math.max(1e-12, stats.sumSq / stats.n - (stats.sum / stats.n) ** 2)));
  return { name: 'vae', sessions: [session], step, latentStd };
}
