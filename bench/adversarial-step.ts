// npx tsx bench/adversarial-step.ts — ms per `train tsd` iteration of the fast preset at batch 4, 128 px crops, 4×,
// t_s 250, whole-student fine-tune (the default recipe's student), with and without the adversarial loss
// (--adversarial-weight: the discriminator in the student's graph plus its own step), at γ = 0 and γ = 0.1, and with
// the wider 32-64-128 discriminator for comparison.
// Fresh weights and random images: the time does not depend on their values. The configurations take turns
// (BENCH_ROUNDS rounds of BENCH_STEPS timed steps each, after one untimed step per stage); median and fastest are reported.
// Writes bench/results/adversarial-step.json.
import { cpus, loadavg } from 'node:os';
import { FAST_DENOISER_CONFIG, FAST_VAE_CONFIG, initSmallDenoiser, initSmallVae, PATCH_DISCRIMINATOR_CONFIG } from '../models/nets/index.ts';
import { Rng, type TrainingBatch } from '../trainer/src/data/index.ts';
import { smallFamily } from '../trainer/src/loop/family.ts';
import { createTsdStage, type TsdStage } from '../trainer/src/loop/stages/tsd.ts';
import { l1SsimLoss } from '../trainer/src/tsd/index.ts';
import { resultsPath, writeResults } from './results.ts';

const [BATCH, CROP, SCALE] = [4, 128, 4];
const STEPS = Number(process.env.BENCH_STEPS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** The usual VGG-style start (32 → 64 → 128), for comparison with the default discriminator. */
const WIDE = { ...PATCH_DISCRIMINATOR_CONFIG, widths: [32, 64, 128] };
const ALL_CASES = [
  { name: 'γ 0', regulariserWeight: 0, adversarialWeight: 0, discriminator: undefined },
  { name: 'γ 0 + adversarial', regulariserWeight: 0, adversarialWeight: 0.1, discriminator: PATCH_DISCRIMINATOR_CONFIG },
  { name: 'γ 0 + adversarial, D 32-64-128', regulariserWeight: 0, adversarialWeight: 0.1, discriminator: WIDE },
  { name: 'γ 0.1', regulariserWeight: 0.1, adversarialWeight: 0, discriminator: undefined },
  { name: 'γ 0.1 + adversarial', regulariserWeight: 0.1, adversarialWeight: 0.1, discriminator: PATCH_DISCRIMINATOR_CONFIG },
];
/** BENCH_GAMMA=0: only the γ = 0 cases. */
const CASES = process.env.BENCH_GAMMA === '0' ? ALL_CASES.filter((c) => c.regulariserWeight === 0) : ALL_CASES;

const lr = (base: number) => ({ base, warmupSteps: 0, totalSteps: 1e6, cycles: 1 });

async function stageFor(c: (typeof CASES)[number]): Promise<TsdStage> {
  const config = { vae: FAST_VAE_CONFIG, denoiser: FAST_DENOISER_CONFIG };
  return createTsdStage({
    family: smallFamily(config), vae: initSmallVae(config.vae, 1), teacher: initSmallDenoiser(config.denoiser, 2), scalingFactor: 1,
    batch: BATCH, hrSizePx: CROP, scale: SCALE, studentTimestep: 250, outputGate: false, fullFineTune: true, encoderLora: false, loraRank: 16,
    dasmSteps: 4, guidanceScale: 7.5, regulariserWeight: c.regulariserWeight, adversarialWeight: c.adversarialWeight,
    discriminator: c.discriminator,
    perceptual: (g, x, y) => l1SsimLoss(g, x, y), style: 'default', studentLr: lr(5e-4), regLr: lr(1e-4), discriminatorLr: lr(1e-4), seed: 0,
  });
}

function randomBatch(rng: Rng): TrainingBatch {
  const values = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.next());
  const lrSize = CROP / SCALE;
  return {
    size: BATCH, hr: values(BATCH * 3 * CROP * CROP), lr: values(BATCH * 3 * lrSize * lrSize), hrSizePx: CROP, lrSizePx: lrSize,
    captions: [], styles: [], positions: [],
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const rng = new Rng(1);
const stages = [];
for (const c of CASES) {
  const stage = await stageFor(c);
  await stage.step(randomBatch(rng), rng, 1); // untimed: first-run allocations
  stages.push({ c, stage, times: [] as number[], step: 1 });
}
const results: Record<string, unknown>[] = [];
for (let round = 0; round < ROUNDS; round++) {
  for (const s of stages) {
    for (let k = 0; k < STEPS; k++) {
      const batch = randomBatch(rng);
      const start = performance.now();
      await s.stage.step(batch, rng, ++s.step);
      s.times.push(performance.now() - start);
    }
  }
}
for (const s of stages) {
  const ms = median(s.times);
  const fastest = Math.min(...s.times);
  results.push({ case: s.c.name, ...s.c, msPerStep: Math.round(ms), fastestMs: Math.round(fastest), samples: s.times.map(Math.round) });
  console.log(`${s.c.name.padEnd(32)} median ${ms.toFixed(0).padStart(5)} ms/step, fastest ${fastest.toFixed(0).padStart(5)}  (${s.times.map((t) => t.toFixed(0)).join(', ')})`);
  for (const session of s.stage.sessions) await session.dispose();
}
writeResults(resultsPath('adversarial-step.json'), {
  batch: BATCH, cropSizePx: CROP, scale: SCALE, preset: 'fast', cpu: cpus()[0]?.model, cores: cpus().length, loadAverage: loadavg(), results,
});
