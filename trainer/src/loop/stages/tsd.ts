/**
 * Stage `tsd` (Algorithm 1): per iteration a student step (data loss + γ·TSD with DASM and CFG, optionally + λ·adversarial),
 * then a reg-model step, then (with λ > 0) a discriminator step.
 */
import {
  MapWeightSource, loraFromWeights, mergeLora, PATCH_DISCRIMINATOR_CONFIG, type PatchDiscriminatorConfig, type WeightSource, type WeightTensor,
} from '../../../../models/nets/index.ts';
import { batchRegLossWeight, dasmFeeds, flowMatchingSchedule, sampleDasmPlan, sampleTimestepIndex } from '../../tsd/index.ts';
import { Rng, type TrainingBatch } from '../../data/index.ts';
import { styleEmbedding } from '../family.ts';
import { learningRateAt, type LrScheduleOptions } from '../lr-schedule.ts';
import type { StageStepResult, TrainStage } from '../runner.ts';
import { TrainSession, type FloatTensor } from '../train-session.ts';
import { WeightFeeds } from '../weight-feeds.ts';
import { initLoraInputs, normalTensor, signedImages, unitImage, vector } from './common.ts';
import { createDiscriminator, DISCRIMINATOR_LR } from './discriminator.ts';
import { buildRegGraph, buildStudentGraph, STUDENT_GATE, STUDENT_PREFIX, tsdLatentDims, type TsdGraphOptions } from './tsd-graphs.ts';

/** Settings of the TSD stage. */
export interface TsdStageOptions extends TsdGraphOptions {
  style: string;
  /** The style vector, when not the style name's (a model trained further keeps the vector baked into it). */
  styleVector?: Float32Array;
  studentLr: LrScheduleOptions;
  regLr: LrScheduleOptions;
  /** The discriminator's schedule (used when adversarialWeight > 0). */
  discriminatorLr?: LrScheduleOptions;
  /** The discriminator's widths (default PATCH_DISCRIMINATOR_CONFIG). */
  discriminator?: PatchDiscriminatorConfig;
  /** The discriminator's starting weights (keys without `disc.`), e.g. an earlier run's; absent: fresh ones from the seed. */
  initDiscriminator?: ReadonlyMap<string, WeightTensor>;
  /** Seeds the LoRA (and discriminator) initialisation. */
  seed: number;
  device?: 'cpu' | 'webgpu' | 'cuda' | 'auto';
  /**
   * fullFineTune: start from an earlier student's parameters, keyed by graph input (`student.<weight>` for the
   * denoiser, `student_vae.…lora_[AB].weight` for its encoder LoRA), instead of the teacher's with conv_out zeroed.
   */
  initStudent?: ReadonlyMap<string, WeightTensor>;
}

/** The TSD stage plus the merged student weights for export. */
export interface TsdStage extends TrainStage {
  /** VAE weights with the student's encoder LoRA merged, and the denoiser with its LoRA merged. */
  mergedStudent(): { vae: WeightSource; denoiser: WeightSource };
}

const asTensor = (t: FloatTensor): WeightTensor => ({ dims: t.dims, data: t.data });

/** The DASM plan's feeds as float tensors for a session run. */
const dasmTensors = (plan: Parameters<typeof dasmFeeds>[0]): Record<string, FloatTensor> =>
  Object.fromEntries(Object.entries(dasmFeeds(plan)).map(([n, t]) => [n, { dims: t.dims, data: t.data as Float32Array }]));

/** LoRA factors of a session's parameters under `prefix`, keyed without it. */
function loraUnder(params: ReadonlyMap<string, FloatTensor>, prefix: string): Map<string, WeightTensor> {
  return new Map([...params].filter(([k]) => k.startsWith(prefix)).map(([k, t]) => [k.slice(prefix.length), asTensor(t)]));
}

/** A weight source whose `<conv>` output channels are multiplied by `scale` (weight rows and bias), the rest as is. */
export function scaleOutputChannels(base: WeightSource, conv: string, scale: Float32Array): WeightSource {
  const scaled = (key: string): WeightTensor => {
    const t = base.get(key);
    const per = t.data.length / scale.length;
    if (t.dims[0] !== scale.length) throw new Error(`${key}: ${t.dims[0]} output channels, gate has ${scale.length}`);
    return { dims: t.dims, data: t.data.map((v, i) => v * (scale[Math.floor(i / per)] as number)) };
  };
  const keys = new Set([`${conv}.weight`, `${conv}.bias`]);
  return { names: base.names, has: (k) => base.has(k), get: (k) => (keys.has(k) ? scaled(k) : base.get(k)) };
}

/** Builds both sessions (graphs built once) and the iteration. */
export async function createTsdStage(o: TsdStageOptions): Promise<TsdStage> {
  const initRng = new Rng(o.seed, 0x10a);
  const dataOnly = o.regulariserWeight === 0; // γ = 0: no TSD term, so no reg model to train
  const regGraph = dataOnly ? undefined : buildRegGraph(o);
  const reg = regGraph && await TrainSession.create({ name: 'reg', graph: regGraph.g, loss: regGraph.loss, params: initLoraInputs(regGraph.g, (n) => n.startsWith('reg.'), initRng), device: o.device });
  const regLora = reg ? loraUnder(reg.parameters(), 'reg.') : new Map<string, WeightTensor>();
  const feeds = new WeightFeeds();
  const disc = (o.adversarialWeight ?? 0) > 0 ? await createDiscriminator({
    config: o.discriminator ?? PATCH_DISCRIMINATOR_CONFIG, batch: o.batch, sizePx: o.hrSizePx, device: o.device,
    lr: o.discriminatorLr ?? { ...o.studentLr, base: DISCRIMINATOR_LR }, initial: o.initDiscriminator,
  }, new Rng(o.seed, 0xd15c)) : undefined;
  const sg = buildStudentGraph(o, feeds, regLora, disc?.frozenCritic(feeds));
  const inputNames = sg.g.inputs.map((v) => v.name);
  const studentParams = initLoraInputs(sg.g, (n) => n.startsWith('student'), initRng);
  if (o.fullFineTune) {
    if (o.outputGate) throw new Error('fullFineTune starts from a zeroed conv_out; an output gate at zero as well would never move');
    const inputs = new Set(inputNames);
    for (const [key, t] of o.teacher) {
      if (!inputs.has(`${STUDENT_PREFIX}${key}`)) continue; // e.g. the null style, which the student never reads
      const start = o.initStudent?.get(`${STUDENT_PREFIX}${key}`);
      if (start && start.data.length !== t.data.length) throw new Error(`initial student: ${key} has ${start.dims.join('×')}, the teacher's ${t.dims.join('×')}`);
      const zero = !start && (key === 'conv_out.weight' || key === 'conv_out.bias');
      studentParams.set(`${STUDENT_PREFIX}${key}`, { dims: t.dims, data: zero ? new Float32Array(t.data.length) : Float32Array.from((start ?? t).data) });
    }
  } else if (o.initStudent) {
    throw new Error('an initial student needs fullFineTune (its weights are the student, not a LoRA)');
  }
  // the initial student's encoder LoRA (TSD-SR adapts the VAE encoder too) carries over with the denoiser
  for (const [name, t] of o.initStudent ?? []) {
    if (name.startsWith(STUDENT_PREFIX)) {
      if (!o.teacher.has(name.slice(STUDENT_PREFIX.length))) throw new Error(`the initial student holds ${name}, not a teacher weight: it is a LoRA student, not a fully fine-tuned one`);
      continue;
    }
    const current = studentParams.get(name);
    if (!current) throw new Error(`the initial student trained ${name}, which this run does not (keep its encoder LoRA on, with the same rank)`);
    if (current.data.length !== t.data.length) throw new Error(`initial student: ${name} has ${t.dims.join('×')}, this run's ${current.dims.join('×')} (use the same --lora-rank)`);
    studentParams.set(name, { dims: current.dims, data: Float32Array.from(t.data) });
  }
  if (o.outputGate) studentParams.set(STUDENT_GATE, { dims: [1, o.family.latentChannels, 1, 1], data: new Float32Array(o.family.latentChannels) });
  const student = await TrainSession.create({ name: 'student', graph: sg.g, loss: sg.loss, params: studentParams, extras: sg.extras, device: o.device });
  const schedule = flowMatchingSchedule();
  const style = o.styleVector ?? styleEmbedding(o.style, o.family.styleDim);
  const condition: FloatTensor = { dims: [o.batch, o.family.styleDim], data: Float32Array.from({ length: o.batch * style.length }, (_, i) => style[i % style.length] as number) };
  const [lrSize, hrSize] = [o.hrSizePx / o.scale, o.hrSizePx];
  const step = async (batch: TrainingBatch, rng: Rng, k: number): Promise<StageStepResult> => {
    const uniform = (): number => rng.next();
    const lr = signedImages(batch.lr, [o.batch, 3, lrSize, lrSize]);
    const hr = signedImages(batch.hr, [o.batch, 3, hrSize, hrSize]);
    const studentLr = learningRateAt(o.studentLr, k);
    disc?.refreshFrozen(); // the student is judged by the discriminator as trained up to the previous iteration
    const inputs = () => ({ ...feeds.feedsFor(inputNames), lr, hr, condition }); // read after the reg LoRA is refreshed
    let regStep: { loss: number; lr: number } | undefined;
    let s: Awaited<ReturnType<TrainSession['run']>>;
    if (reg) {
      const plan = sampleDasmPlan(schedule, uniform, { steps: o.dasmSteps });
      for (const [key, t] of loraUnder(reg.parameters(), 'reg.')) regLora.set(key, t);
      const dasm = dasmTensors(plan);
      s = await student.run({ ...inputs(), noise: normalTensor(rng, tsdLatentDims(o)), ...dasm }, k, studentLr);
      const index = sampleTimestepIndex(uniform);
      const sigma = schedule.sigmas[index] as number;
      const weight = batchRegLossWeight(uniform, new Array<number>(o.batch).fill(sigma));
      const regLr = learningRateAt(o.regLr, k);
      const r = await reg.run({
        z_hat: s.outputs.z_hat as FloatTensor, noise: normalTensor(rng, tsdLatentDims(o)), sigma: vector([sigma]),
        timestep: vector([schedule.timesteps[index] as number]), weight: { dims: [], data: Float32Array.of(weight) }, condition,
      }, k, regLr);
      regStep = { loss: r.loss, lr: regLr };
    } else {
      s = await student.run(inputs(), k, studentLr);
    }
    const scalar = (name: string): number => (s.outputs[name] as FloatTensor).data[0] as number;
    const losses: Record<string, number> = { loss: s.loss, perceptual: scalar('perceptual_loss'), latent_mse: scalar('latent_mse') };
    const learningRates: Record<string, number> = { student: studentLr };
    if ((o.gradientVarianceWeight ?? 0) > 0) losses.gv = scalar('gradient_variance_loss');
    if (regStep) Object.assign(losses, { tsd: scalar('tsd_loss'), reg: regStep.loss });
    if (regStep) learningRates.reg = regStep.lr;
    if (disc) {
      const d = await disc.step(batch.hr, (s.outputs.student_image as FloatTensor).data, k);
      Object.assign(losses, { adv: scalar('adversarial_loss'), disc: d.loss, disc_real: d.realLogit, disc_fake: d.fakeLogit });
      if ((o.featureMatchingWeight ?? 0) > 0) losses.fm = scalar('feature_matching_loss');
      learningRates.disc = d.lr;
    }
    return {
      losses,
      learningRates,
      sheet: () => [unitImage(lr.data, lrSize), unitImage((s.outputs.student_image as FloatTensor).data, hrSize), unitImage(hr.data, hrSize)],
    };
  };
  /** The student's images for a batch as of step `k`, in [0, 1], nothing trained (the TSD term's noise from a fixed draw). */
  const evaluate = async (batch: TrainingBatch, k: number): Promise<Float32Array> => {
    const rng = new Rng(o.seed, 0xe7a1);
    const extra = reg
      ? { noise: normalTensor(rng, tsdLatentDims(o)), ...dasmTensors(sampleDasmPlan(schedule, () => rng.next(), { steps: o.dasmSteps })) }
      : {};
    const feedsNow = { ...feeds.feedsFor(inputNames), lr: signedImages(batch.lr, [o.batch, 3, lrSize, lrSize]), hr: signedImages(batch.hr, [o.batch, 3, hrSize, hrSize]), condition };
    const out = await student.evaluate({ ...feedsNow, ...extra }, k);
    return (out.student_image as FloatTensor).data.map((x) => 0.5 * x + 0.5);
  };
  const mergedStudent = (): { vae: WeightSource; denoiser: WeightSource } => {
    const params = student.parameters();
    const denoiser = o.fullFineTune
      ? new MapWeightSource(new Map([...o.teacher].map(([key, t]) => [key, asTensor(params.get(`${STUDENT_PREFIX}${key}`) ?? t)])))
      : mergeLora(new MapWeightSource(o.teacher), loraFromWeights(new MapWeightSource(loraUnder(params, STUDENT_PREFIX))));
    const gate = params.get(STUDENT_GATE);
    return {
      vae: mergeLora(new MapWeightSource(o.vae), loraFromWeights(new MapWeightSource(loraUnder(params, 'student_vae.')))),
      denoiser: gate ? scaleOutputChannels(denoiser, 'conv_out', gate.data) : denoiser,
    };
  };
  const sessions = [student, ...(reg ? [reg] : []), ...(disc ? [disc.session] : [])];
  return { name: 'tsd', sessions, step, evaluate, mergedStudent };
}
