/**
 * Training the learned degradation estimate (models/runtime/degradation-net.ts): examples made from HR training
 * images (a clean ×4 LR and degraded ones: Real-ESRGAN's second-order degradation, JPEG, noise), opaque NET_PATCH²
 * patches of each labelled clean (0) or degraded (1), and a TrainSession over the patch discriminator graph whose loss
 * is the logistic loss of each patch's mean logit, the quantity the runtime averages over an image.
 */
import { Graph, mul, reduceMean, sub, type Value } from '../../../models/graph/index.ts';
import { MapWeightSource, patchDiscriminator, type PatchDiscriminatorConfig, type WeightTensor } from '../../../models/nets/index.ts';
import type { DegradationNet } from '../../../models/runtime/degradation-net.ts';
import { addGaussianNoise, bicubicLr, degradeRealEsrgan, jpegRoundTrip, quantize8InPlace, type PlanarImage, type Rng } from '../data/index.ts';
import { initDiscriminatorWeights } from '../loop/stages/discriminator.ts';
import { TrainSession, type FloatTensor } from '../loop/train-session.ts';
import { softplus } from '../tsd/adversarial.ts';

/** Prefix of the net's parameter inputs in its training graph. */
const PREFIX = 'net.';

/** The training step's graph: inputs `x` [B, 3, S, S] in [0, 1] and labels `y` [B]; loss mean(softplus(z) − y·z), z the mean logit of each patch. */
export function buildEstimateGraph(config: PatchDiscriminatorConfig, weights: ReadonlyMap<string, WeightTensor>, batch: number, size: number): { g: Graph; loss: Value; z: Value } {
  const g = new Graph('degradation_estimate');
  const x = g.input('x', 'float32', [batch, 3, size, size]);
  const y = g.input('y', 'float32', [batch]);
  const logits = patchDiscriminator(g, new MapWeightSource(weights), config, x, { namePrefix: PREFIX, asInput: () => true });
  const z = reduceMean(g, logits, { axes: [1, 2, 3], keepdims: false });
  const loss = reduceMean(g, sub(g, softplus(g, z), mul(g, y, z)), { keepdims: false });
  return { g, loss, z };
}

/** A batch of labelled patches, planar [n, 3, size, size]. */
export interface PatchSet {
  size: number;
  x: Float32Array;
  y: Float32Array;
  /** The source image index of each patch (train/hold-out split by image), and which LR variant it came from. */
  image: Int32Array;
  variant: string[];
}

/** One LR variant of an HR crop and its label. */
export interface LrVariant {
  name: string;
  label: 0 | 1;
  lr: PlanarImage;
}

/**
 * The LR variants of one HR crop (planar RGB in [0, 1], sides multiples of 4): the clean bicubic ×4 LR, and as many
 * degraded ones, drawn from Real-ESRGAN's degradation (half of them), JPEG at quality 20–70 and Gaussian noise of
 * 3–12 levels (colour or grey) on the clean LR. Deterministic for (crop, seed).
 */
export async function lrVariants(hr: PlanarImage, rng: Rng, seed: number, degraded = 1): Promise<LrVariant[]> {
  const clean = bicubicLr(hr, 4);
  const out: LrVariant[] = [{ name: 'clean', label: 0, lr: clean }];
  for (let i = 0; i < degraded; i++) {
    const kind = rng.pickWeighted(['realesrgan', 'jpeg', 'noise'] as const, [2, 1, 1]);
    if (kind === 'realesrgan') out.push({ name: kind, label: 1, lr: await degradeRealEsrgan(hr, seed * 16 + i, 4) });
    else if (kind === 'jpeg') out.push({ name: kind, label: 1, lr: await jpegRoundTrip(clean, rng.int(20, 70)) });
    else {
      const noisy = { ...clean, data: clean.data.slice() };
      addGaussianNoise(noisy, rng, rng.uniform(3, 12), rng.chance(0.5));
      out.push({ name: kind, label: 1, lr: quantize8InPlace(noisy) });
    }
  }
  return out;
}

/** Up to `count` random size² patches of an LR image whose LR alpha is fully opaque (null alpha: all opaque). */
export function randomPatches(lr: PlanarImage, alpha: Float32Array | null, size: number, count: number, rng: Rng): Float32Array[] {
  const { width, height } = lr;
  if (width < size || height < size) return [];
  const out: Float32Array[] = [];
  for (let tries = 0; out.length < count && tries < count * 8; tries++) {
    const x0 = rng.int(0, width - size);
    const y0 = rng.int(0, height - size);
    if (alpha && !opaqueWindow(alpha, width, x0, y0, size)) continue;
    const p = new Float32Array(3 * size * size);
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < size; y++) {
        const src = (c * height + y0 + y) * width + x0;
        p.set(lr.data.subarray(src, src + size), (c * size + y) * size);
      }
    }
    out.push(p);
  }
  return out;
}

function opaqueWindow(alpha: Float32Array, width: number, x0: number, y0: number, size: number): boolean {
  for (let y = y0; y < y0 + size; y++) {
    for (let x = x0; x < x0 + size; x++) if ((alpha[y * width + x] as number) < 254.5 / 255) return false;
  }
  return true;
}

/** Stacks labelled patches into a PatchSet. */
export function stackPatches(size: number, patches: { x: Float32Array; label: number; image: number; variant: string }[]): PatchSet {
  const n = patches.length;
  const set: PatchSet = { size, x: new Float32Array(n * 3 * size * size), y: new Float32Array(n), image: new Int32Array(n), variant: [] };
  patches.forEach((p, i) => {
    set.x.set(p.x, i * 3 * size * size);
    set.y[i] = p.label;
    set.image[i] = p.image;
    set.variant.push(p.variant);
  });
  return set;
}

/** What the training reports every `every` steps: mean loss since the last report and the hold-out loss and accuracy. */
export interface EstimateProgress {
  step: number;
  trainLoss: number;
  holdOutLoss: number;
  holdOutAccuracy: number;
}

/** Options of {@link trainEstimateNet}. */
export interface EstimateTrainOptions {
  config: PatchDiscriminatorConfig;
  steps: number;
  batch: number;
  lr: number;
  rng: Rng;
  every?: number;
  onProgress?: (p: EstimateProgress) => void;
}

/** Mean logistic loss, accuracy at 0.5 and the per-patch mean logits z of a set, by the session at learning rate 0. */
export async function evaluateEstimate(session: TrainSession, set: PatchSet, batch: number): Promise<{ loss: number; accuracy: number; z: Float32Array }> {
  const n = set.y.length;
  const per = 3 * set.size * set.size;
  const z = new Float32Array(n);
  for (let start = 0; start < n; start += batch) {
    const x = new Float32Array(batch * per);
    const y = new Float32Array(batch);
    for (let i = 0; i < batch; i++) {
      const j = Math.min(n - 1, start + i); // the last batch repeats its final patch; those rows are ignored
      x.set(set.x.subarray(j * per, (j + 1) * per), i * per);
      y[i] = set.y[j] as number;
    }
    const out = await session.evaluate({ x: { dims: [batch, 3, set.size, set.size], data: x }, y: { dims: [batch], data: y } }, 1);
    const zs = (out.z as FloatTensor).data;
    for (let i = 0; i < batch && start + i < n; i++) z[start + i] = zs[i] as number;
  }
  let loss = 0;
  let right = 0;
  for (let i = 0; i < n; i++) {
    const zi = z[i] as number;
    const yi = set.y[i] as number;
    loss += Math.max(zi, 0) + Math.log1p(Math.exp(-Math.abs(zi))) - yi * zi;
    if ((zi >= 0 ? 1 : 0) === yi) right++;
  }
  return { loss: loss / n, accuracy: right / n, z };
}

/** Trains the net on `train` (shuffled each epoch), reporting hold-out loss and accuracy; returns the trained net. */
export async function trainEstimateNet(train: PatchSet, holdOut: PatchSet, o: EstimateTrainOptions): Promise<DegradationNet> {
  const initial = initDiscriminatorWeights(o.config, o.rng);
  const size = train.size;
  const built = buildEstimateGraph(o.config, initial, o.batch, size);
  const params = new Map([...initial].map(([key, t]) => [`${PREFIX}${key}`, t] as const));
  const session = await TrainSession.create({ name: 'estimate', graph: built.g, loss: built.loss, extras: { z: built.z }, params, optimiser: { weightDecay: 0 } });
  try {
    const per = 3 * size * size;
    const n = train.y.length;
    let order = o.rng.permutation(n);
    let cursor = 0;
    let sum = 0;
    let count = 0;
    const every = o.every ?? 250;
    for (let step = 1; step <= o.steps; step++) {
      const x = new Float32Array(o.batch * per);
      const y = new Float32Array(o.batch);
      for (let i = 0; i < o.batch; i++) {
        if (cursor === n) {
          order = o.rng.permutation(n);
          cursor = 0;
        }
        const j = order[cursor++] as number;
        x.set(train.x.subarray(j * per, (j + 1) * per), i * per);
        y[i] = train.y[j] as number;
      }
      // cosine decay to a tenth of the peak rate
      const lr = o.lr * (0.1 + 0.45 * (1 + Math.cos((Math.PI * (step - 1)) / o.steps)));
      const r = await session.run({ x: { dims: [o.batch, 3, size, size], data: x }, y: { dims: [o.batch], data: y } }, step, lr);
      sum += r.loss;
      count++;
      if (step % every === 0 || step === o.steps) {
        const held = holdOut.y.length > 0 ? await evaluateEstimate(session, holdOut, o.batch) : { loss: NaN, accuracy: NaN };
        o.onProgress?.({ step, trainLoss: sum / count, holdOutLoss: held.loss, holdOutAccuracy: held.accuracy });
        sum = 0;
        count = 0;
      }
    }
    const weights = new Map<string, WeightTensor>();
    for (const [name, t] of session.parameters()) weights.set(name.slice(PREFIX.length), { dims: t.dims, data: Float32Array.from(t.data) });
    return { widths: o.config.widths, negativeSlope: o.config.negativeSlope, weights };
  } finally {
    await session.dispose();
  }
}
