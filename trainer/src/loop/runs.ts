/** The three training runs behind `tsdsr train vae|teacher|tsd`: data, stage, loop, and what each leaves on disk. */
import { initSmallDenoiser, initSmallVae, PATCH_DISCRIMINATOR_CONFIG, type SmallDenoiserConfig, type WeightTensor } from '../../../models/nets/index.ts';
import { DataLoader, sampleOptions, scanTrainingFolder, type DataLoaderState, type ImageEntry } from '../data/index.ts';
import { loadPerceptualLoss, TSD_GUIDANCE_SCALE } from '../tsd/index.ts';
import { checkModelDirectory, exportTsdsrModel } from '../export/index.ts';
import { loadTeacherRun, loadVaeRun, saveTeacherRun, saveVaeRun, type Weights } from './artifacts.ts';
import { loadModelWeights, type ModelWeights } from './from-model.ts';
import { smallFamily, smallPreset, styleEmbedding, type SmallFamilyConfig } from './family.ts';
import { readCheckpointParameters } from './checkpoint.ts';
import { heldOutProbe } from './probe.ts';
import { checkpointDir, runTrainingLoop, type LoopResult } from './runner.ts';
import { createTeacherStage } from './stages/teacher.ts';
import { createTsdStage } from './stages/tsd.ts';
import { DISCRIMINATOR_LR, DISCRIMINATOR_PREFIX } from './stages/discriminator.ts';
import { STUDENT_PREFIX } from './stages/tsd-graphs.ts';
import { createVaeStage } from './stages/vae.ts';
import type { LrScheduleOptions } from './lr-schedule.ts';
import type { ProgressSink } from './progress.ts';
import { RUN_DEFAULTS, withDefaults, type RunOptions } from './run-options.ts';

/** Where a run's messages and progress go, and how it is stopped. */
export interface RunContext {
  progress?: ProgressSink;
  log?: (message: string) => void;
  signal?: AbortSignal;
  /** Stop with a checkpoint after this step (tests of resume). */
  stopAfterStep?: number;
}

const weightsOf = (p: ReadonlyMap<string, { dims: readonly number[]; data: Float32Array }>): Weights => new Map([...p].map(([k, t]) => [k, { dims: t.dims, data: t.data }]));

/** The run's images: unreadable and too-small files skipped with a warning each, refused when none remain. */
async function scan(o: RunOptions, ctx: RunContext): Promise<ImageEntry[]> {
  const excluded = new Set(o.exclude ?? []);
  const entries = (await scanTrainingFolder(o.data, { style: o.style, minSidePx: o.cropSizePx, log: ctx.log })).filter((e) => !excluded.has(e.relativePath));
  if (entries.length === 0) throw new Error(`${o.data}: every usable image is held out; nothing is left to train on`);
  return repeatFolders(entries, o.folderRepeats ?? {});
}

/** The entries with those under each named top-level folder repeated (an epoch then draws them that many times). */
export function repeatFolders(entries: ImageEntry[], repeats: Record<string, number>): ImageEntry[] {
  const folderOf = (e: ImageEntry): string => e.relativePath.split(/[\\/]/)[0] as string;
  for (const [folder, times] of Object.entries(repeats)) {
    if (!(Number.isInteger(times) && times >= 1)) throw new Error(`folderRepeats.${folder}: a whole number of at least 1, not ${times}`);
    if (!entries.some((e) => folderOf(e) === folder && e.relativePath.includes('/'))) throw new Error(`folderRepeats.${folder}: no images under ${folder}/ in the data folder`);
  }
  return entries.flatMap((e) => Array.from({ length: e.relativePath.includes('/') ? (repeats[folderOf(e)] ?? 1) : 1 }, () => e));
}

function loaderFactory(o: RunOptions, entries: ImageEntry[]): (state?: DataLoaderState) => DataLoader {
  const sample = sampleOptions({
    cropSizePx: o.cropSizePx, scale: o.scale, scales: o.scales, degradation: o.degradation, bicubicShare: o.bicubicShare, detailCandidates: o.detailCandidates, upsampleLr: o.scales !== undefined, targetUsm: o.targetUsm ?? false,
  });
  return (state) => new DataLoader({ entries, seed: o.seed, sample, workers: o.workers, state });
}

function loop(o: RunOptions, ctx: RunContext, makeLoader: (s?: DataLoaderState) => DataLoader) {
  return {
    outDir: o.out, totalSteps: o.steps, batchSize: o.batch, seed: o.seed, checkpointEvery: o.checkpointEvery, sampleEvery: o.sampleEvery,
    resume: o.resume, makeLoader, signal: ctx.signal, stopAfterStep: ctx.stopAfterStep, progress: ctx.progress, log: ctx.log, options: { ...o },
    timeBudgetMs: o.minutes === undefined ? undefined : o.minutes * 60_000,
    retarget: (totalSteps: number) => {
      for (const s of schedulesOf.get(o) ?? []) s.totalSteps = totalSteps;
    },
  };
}

/** The learning-rate schedules made for a run, so a time budget can fit them to the step count it sets. */
const schedulesOf = new WeakMap<RunOptions, LrScheduleOptions[]>();

const schedule = (o: RunOptions, base: number): LrScheduleOptions => {
  const s = { base, warmupSteps: o.warmupSteps, totalSteps: o.steps, cycles: o.lrCycles };
  schedulesOf.set(o, [...(schedulesOf.get(o) ?? []), s]);
  return s;
};

/** `train vae`: the autoencoder from nothing; writes vae.safetensors and vae.json (scaling factor = 1 / latent std). */
export async function trainVae(options: Partial<RunOptions> & Pick<RunOptions, 'data' | 'out'>, ctx: RunContext = {}, preset?: SmallFamilyConfig): Promise<LoopResult> {
  const o: RunOptions = withDefaults(RUN_DEFAULTS.vae, options);
  const config = preset ?? smallPreset(o.arch);
  const family = smallFamily(config);
  const stage = await createVaeStage({ family, weights: initSmallVae(config.vae, o.seed), batch: o.batch, cropSizePx: o.cropSizePx, klWeight: o.klWeight, lr: schedule(o, o.lr), device: o.device });
  const result = await runTrainingLoop(stage, loop(o, ctx, loaderFactory(o, await scan(o, ctx))));
  if (result.interrupted) return result;
  const scalingFactor = 1 / stage.latentStd();
  await saveVaeRun(o.out, weightsOf(stage.sessions[0]!.parameters()), { format: 'tsdsr-small-vae', config: { ...config.vae, scalingFactor }, provenance: { data: o.data, steps: o.steps, options: o } });
  ctx.log?.(`VAE saved to ${o.out} (scaling factor ${scalingFactor.toFixed(4)})`);
  return result;
}

/** `train teacher`: flow-matching pre-training of the denoiser on a trained VAE's latents; writes the teacher folder. */
export async function trainTeacher(options: Partial<RunOptions> & Pick<RunOptions, 'data' | 'out' | 'vae'>, ctx: RunContext = {}, config?: SmallDenoiserConfig): Promise<LoopResult> {
  const o: RunOptions = withDefaults(RUN_DEFAULTS.teacher, options);
  const denoiserConfig = config ?? smallPreset(o.arch).denoiser;
  const vae = await loadVaeRun(o.vae as string);
  const family = smallFamily({ vae: vae.info.config, denoiser: denoiserConfig });
  const stage = await createTeacherStage({
    family, vae: vae.weights, scalingFactor: vae.info.config.scalingFactor, weights: initSmallDenoiser(denoiserConfig, o.seed),
    batch: o.batch, cropSizePx: o.cropSizePx, styleDropout: o.styleDropout, lr: schedule(o, o.lr), device: o.device,
  });
  const entries = await scan(o, ctx);
  const result = await runTrainingLoop(stage, loop(o, ctx, loaderFactory(o, entries)));
  if (result.interrupted) return result;
  const styles = [...new Set(entries.map((e) => e.style))];
  await saveTeacherRun(o.out, o.vae as string, weightsOf(stage.sessions[0]!.parameters()), {
    format: 'tsdsr-small-teacher', vae: vae.info.config, denoiser: denoiserConfig, styles, provenance: { data: o.data, steps: o.steps, options: o },
  });
  ctx.log?.(`teacher saved to ${o.out}`);
  return result;
}

/** What a tsd run is built on: the frozen VAE and the denoiser the student starts from, from a teacher run or an exported model. */
interface TsdSources {
  config: SmallFamilyConfig;
  vae: Weights;
  denoiser: Weights;
  /** Set when the student starts from a whole trained student (keys `student.<weight>`). */
  initStudent?: ReadonlyMap<string, WeightTensor>;
  /** A style vector to use instead of the style name's (the one baked into a model trained further). */
  styleVector?: Float32Array;
  styleName?: string;
  /** Settings of the model a run starts from that its export keeps (--from-model). */
  keep?: ModelWeights['keep'];
  /** What provenance records as the start. */
  from: string;
}

/** Options a run from an exported model takes unless given: the data loss alone on the whole student, frozen encoder. */
const FROM_MODEL_DEFAULTS: Partial<RunOptions> = { regulariserWeight: 0, fullFineTune: true, encoderLora: false };

/** The log's note of what an export keeps from the model a run starts from. */
function keptNote(keep: ModelWeights['keep']): string {
  const parts = [
    ...(keep.antiRing !== undefined ? [`anti-ringing ${keep.antiRing}`] : []),
    ...(keep.denoise ? [`input smoothing (${keep.denoise.method === 'dct' ? 'DCT, ' : ''}level ${keep.denoise.level})`] : []),
  ];
  return parts.length ? `; the export keeps its ${parts.join(' and ')}` : '';
}

async function tsdSources(o: RunOptions, given: Partial<RunOptions>, ctx: RunContext): Promise<{ o: RunOptions; s: TsdSources }> {
  if (o.fromModel !== undefined) {
    if (o.teacher !== undefined) throw new Error('give --teacher or --from-model, not both');
    if (o.initStudent !== undefined) throw new Error('--from-model already starts the student from that model; leave out --init-student');
    const m = await loadModelWeights(o.fromModel);
    if (o.regulariserWeight !== 0) throw new Error('--from-model trains with the data loss alone (no teacher is read back from a model): use --regulariser-weight 0 or leave it out');
    if (!o.fullFineTune || o.outputGate) throw new Error('--from-model fine-tunes every weight of the model\'s student; --output-gate and LoRA-only training do not apply');
    if (given.studentTimestep !== undefined && given.studentTimestep !== m.timestep) throw new Error(`--student-timestep ${given.studentTimestep}: the model was trained at t_s = ${m.timestep}, which a further run keeps`);
    ctx.log?.(`student starts from the model in ${m.dir} (${m.id}, ${m.preset} preset, t_s ${m.timestep})${keptNote(m.keep)}`);
    return {
      o: { ...o, studentTimestep: m.timestep },
      s: {
        config: m.config, vae: m.vae, denoiser: m.denoiser, initStudent: new Map([...m.denoiser].map(([k, t]) => [`${STUDENT_PREFIX}${k}`, t])),
        styleVector: m.style.vector, styleName: m.style.name, keep: m.keep, from: `every denoiser weight fine-tuned further from the model ${m.id} (${m.dir})`,
      },
    };
  }
  if (o.teacher === undefined) throw new Error('train tsd needs --teacher <dir> (a train teacher run) or --from-model <model>');
  const t = await loadTeacherRun(o.teacher);
  if (o.initStudent && !o.fullFineTune) throw new Error('--init-student needs a fully fine-tuned student (--full-fine-tune): an earlier run\'s weights are a whole student, not a LoRA');
  const initStudent = o.initStudent ? await readCheckpointParameters(checkpointDir(o.initStudent), 'student', '') : undefined;
  if (o.initStudent) ctx.log?.(`student starts from ${o.initStudent} (${initStudent?.size} tensors)`);
  const from = o.initStudent ? `every denoiser weight fine-tuned further from the student of ${o.initStudent}` : o.fullFineTune ? 'every denoiser weight fine-tuned from the teacher, conv_out zeroed' : 'LoRA on the teacher, merged';
  return { o, s: { config: { vae: t.info.vae, denoiser: t.info.denoiser }, vae: t.vae, denoiser: t.denoiser, initStudent, from } };
}

/** The discriminator an adversarial run starts from when `--init-discriminator RUN` names one: that run's checkpointed weights. */
async function initialDiscriminator(o: RunOptions, ctx: RunContext): Promise<Map<string, WeightTensor> | undefined> {
  if (o.initDiscriminator === undefined) return undefined;
  if ((o.adversarialWeight ?? 0) <= 0) throw new Error('--init-discriminator starts the discriminator of an adversarial run: give --adversarial-weight above 0');
  const weights = await readCheckpointParameters(checkpointDir(o.initDiscriminator), 'disc', DISCRIMINATOR_PREFIX);
  ctx.log?.(`discriminator starts from ${o.initDiscriminator} (${weights.size} tensors)`);
  return weights;
}

/** The held-out probe of a run with `probe` images (one scale only: with several the loader feeds LR at the HR size). */
async function probeOf(o: RunOptions, ctx: RunContext): Promise<Awaited<ReturnType<typeof heldOutProbe>>> {
  if (!o.probe?.length) return undefined;
  if (o.scales) {
    ctx.log?.('held-out probe skipped: it scores one scale, and this run mixes --scales');
    return undefined;
  }
  const probe = await heldOutProbe({ paths: o.probe, cropSizePx: o.cropSizePx, scale: o.scale, batch: o.batch, outDir: o.out, log: ctx.log });
  if (!probe) ctx.log?.(`held-out probe skipped: none of its ${o.probe.length} images is ${o.cropSizePx} px or larger`);
  return probe;
}

/** `train tsd`: Algorithm 1 on a teacher folder (or further training of an exported model), then export of the merged student into `exportDir`. */
export async function trainTsd(options: Partial<RunOptions> & Pick<RunOptions, 'data' | 'out' | 'exportDir'>, ctx: RunContext = {}): Promise<LoopResult & { modelDir?: string }> {
  await checkModelDirectory(options.exportDir as string); // before training: the export at its end replaces the folder
  const { o, s } = await tsdSources(withDefaults({ ...RUN_DEFAULTS.tsd, ...(options.fromModel !== undefined ? FROM_MODEL_DEFAULTS : {}) }, options), options, ctx);
  const family = smallFamily(s.config);
  const perceptual = await loadPerceptualLoss(o.lpipsWeights ? { kind: 'lpips', weightsPath: o.lpipsWeights } : { kind: 'l1-ssim' });
  const entries = await scan(o, ctx);
  const style = o.style ?? s.styleName ?? entries[0]!.style;
  const styleVector = o.style === undefined ? s.styleVector : undefined;
  ctx.log?.(`perceptual loss: ${perceptual.name}; style: ${style}${styleVector ? ' (the model\'s own style vector)' : ''}`);
  if (o.regulariserWeight === 0) ctx.log?.('γ = 0: the data loss alone, no TSD term and no reg model');
  const stage = await createTsdStage({
    family, vae: s.vae, teacher: s.denoiser, scalingFactor: s.config.vae.scalingFactor, batch: o.batch, hrSizePx: o.cropSizePx, scale: o.scales ? 1 : o.scale, studentTimestep: o.studentTimestep, outputGate: o.outputGate, encoderLora: o.encoderLora, fullFineTune: o.fullFineTune,
    loraRank: o.loraRank, dasmSteps: o.dasmSteps, guidanceScale: o.guidanceScale ?? TSD_GUIDANCE_SCALE, regulariserWeight: o.regulariserWeight,
    adversarialWeight: o.adversarialWeight ?? 0, discriminatorLr: schedule(o, o.discriminatorLr ?? DISCRIMINATOR_LR),
    discriminator: o.discriminatorWidths ? { ...PATCH_DISCRIMINATOR_CONFIG, widths: o.discriminatorWidths } : undefined,
    featureMatchingWeight: o.featureMatchingWeight ?? 0, gradientVarianceWeight: o.gradientVarianceWeight ?? 0, initDiscriminator: await initialDiscriminator(o, ctx),
    perceptual: perceptual.build, style, styleVector, studentLr: schedule(o, o.lr), regLr: schedule(o, o.regLr), seed: o.seed, device: o.device, initStudent: s.initStudent,
  });
  const probe = await probeOf(o, ctx);
  const result = await runTrainingLoop(stage, { ...loop(o, ctx, loaderFactory(o, entries)), probe });
  if (result.interrupted) return result;
  const merged = stage.mergedStudent();
  await exportTsdsrModel(merged.vae, merged.denoiser, {
    dir: o.exportDir as string, id: o.id, timestep: o.studentTimestep, keep: s.keep, perTile: s.config.vae.pixelShuffleSkip === true, name: o.name ?? `TSD-SR small (${style})`, family, scalingFactor: s.config.vae.scalingFactor,
    style: styleVector ?? styleEmbedding(style, family.styleDim),
    provenance: {
      trainedBy: 'tsdsr train tsd', loraMerged: !o.fullFineTune, student: s.from, data: o.data, teacher: o.teacher ?? null, fromModel: o.fromModel ?? null, style, steps: result.step, perceptualLoss: perceptual.name, recipe: { ...o },
    },
  });
  ctx.log?.(`model ${o.id} written to ${o.exportDir}`);
  return { ...result, modelDir: o.exportDir };
}
