/**
 * Recipes: a committed JSON file naming the three runs (VAE → teacher → TSD student) and their options, then any
 * refinement runs of the student, run in order with resume, so a long training can span several sittings
 * (`npm run train:default`, `tsdsr train recipe`).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { writeFileAtomic } from '../../../models/io/index.ts';
import { averageModels } from '../export/average.ts';
import { CHECKPOINT_FILES } from './checkpoint.ts';
import { checkpointDir } from './runner.ts';
import type { RunOptions } from './run-options.ts';
import { trainTeacher, trainTsd, trainVae, type RunContext } from './runs.ts';

/** The stages of a recipe, in the order they run (`refine` stands for every refinement run). */
export const RECIPE_STAGES = ['vae', 'teacher', 'tsd', 'refine'] as const;
export type RecipeStage = (typeof RECIPE_STAGES)[number];

/** The three stages every recipe has. */
const MAIN_STAGES = ['vae', 'teacher', 'tsd'] as const;

/** A recipe file's contents. Paths are relative to the working directory the recipe is run from. */
export interface Recipe {
  /** Id and display name of the exported model. */
  id: string;
  name: string;
  /** Folder of training images (e.g. `data/train` from `npm run data:build`). */
  data: string;
  /** Where the runs keep their outputs and checkpoints: `<out>/vae`, `<out>/teacher`, `<out>/tsd`, `<out>/refine-<k>`. */
  out: string;
  /** Where the trained model directory is exported. */
  modelOut: string;
  /** Options shared by every stage, then each stage's own (they win). */
  common?: Partial<RunOptions>;
  stages: Record<(typeof MAIN_STAGES)[number], Partial<RunOptions>>;
  /**
   * Further `train tsd` runs, in order, each starting from the previous run's student (`initStudent`, a full
   * fine-tune): e.g. a data-loss-only polish on clean inputs. The last one exports the model; without any, `tsd` does.
   */
  refine?: Partial<RunOptions>[];
  /**
   * The exported model as the weighted average of refinement runs' students (numbered from 1), shares summing to 1:
   * e.g. `{ "refine": [5, 6], "weights": [0.25, 0.75] }`. Each refinement run then exports beside its run.
   */
  average?: RecipeAverage;
}

/** Which refinement runs a recipe's model averages, and their shares. */
export interface RecipeAverage { refine: number[]; weights: number[] }

const RUN_OPTION_KEYS = new Set<string>([
  'steps', 'batch', 'cropSizePx', 'scale', 'scales', 'degradation', 'bicubicShare', 'detailCandidates', 'folderRepeats', 'arch', 'studentTimestep', 'outputGate', 'encoderLora', 'fullFineTune', 'seed', 'device',
  'checkpointEvery', 'sampleEvery', 'lr', 'regLr', 'warmupSteps', 'lrCycles', 'klWeight', 'styleDropout', 'loraRank', 'dasmSteps',
  'guidanceScale', 'regulariserWeight', 'lpipsWeights', 'workers', 'style', 'adversarialWeight', 'discriminatorLr', 'discriminatorWidths', 'featureMatchingWeight', 'gradientVarianceWeight', 'initDiscriminator', 'targetUsm',
]);

function checkOptions(where: string, options: unknown): Partial<RunOptions> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new Error(`${where}: expected an object of run options`);
  for (const key of Object.keys(options)) {
    if (!RUN_OPTION_KEYS.has(key)) throw new Error(`${where}: unknown option "${key}" (known: ${[...RUN_OPTION_KEYS].join(', ')})`);
  }
  return options as Partial<RunOptions>;
}

/** Reads and checks a recipe file. */
export async function readRecipe(path: string): Promise<Recipe> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: not a readable JSON recipe (${(e as Error).message})`);
  }
  const r = raw as Partial<Recipe>;
  for (const key of ['id', 'name', 'data', 'out', 'modelOut'] as const) {
    if (typeof r[key] !== 'string' || r[key] === '') throw new Error(`${path}: "${key}" must be a non-empty string`);
  }
  if (typeof r.stages !== 'object' || r.stages === null) throw new Error(`${path}: "stages" must hold vae, teacher and tsd`);
  const stages = Object.fromEntries(MAIN_STAGES.map((s) => [s, checkOptions(`${path}: stages.${s}`, (r.stages as Record<string, unknown>)[s])]));
  if (r.refine !== undefined && !Array.isArray(r.refine)) throw new Error(`${path}: "refine" must be a list of run options`);
  const refine = r.refine?.map((options, k) => checkOptions(`${path}: refine[${k}]`, options));
  if (r.average !== undefined) checkAverage(`${path}: average`, r.average, refine?.length ?? 0);
  return { ...(r as Recipe), common: checkOptions(`${path}: common`, r.common), stages: stages as Recipe['stages'], ...(refine ? { refine } : {}) };
}

function checkAverage(where: string, average: unknown, runs: number): void {
  const a = average as Partial<RecipeAverage> | null;
  if (typeof a !== 'object' || a === null || !Array.isArray(a.refine) || !Array.isArray(a.weights)) throw new Error(`${where}: expected { "refine": [run numbers], "weights": [shares] }`);
  if (a.refine.length < 2 || a.refine.length !== a.weights.length) throw new Error(`${where}: name at least two refinement runs, with one weight each`);
  for (const k of a.refine) {
    if (!Number.isInteger(k) || k < 1 || k > runs) throw new Error(`${where}: refinement run ${k} does not exist (the recipe has ${runs}, numbered from 1)`);
  }
  if (new Set(a.refine).size !== a.refine.length) throw new Error(`${where}: a refinement run is named twice`);
  if (a.weights.some((w) => typeof w !== 'number' || !(w > 0))) throw new Error(`${where}: every weight must be a number above 0`);
  const sum = a.weights.reduce((x, w) => x + w, 0);
  if (Math.abs(sum - 1) > 1e-6) throw new Error(`${where}: the weights must sum to 1 (they sum to ${sum})`);
}

/** The runs of a recipe in order (a weight average, when the recipe has one, ends the refinement stage). */
function recipeRuns(recipe: Recipe): RecipeRun[] {
  const refine = recipe.refine ?? [];
  const studentDir = (k: number): string => (k === refine.length && !recipe.average ? recipe.modelOut : join(recipe.out, k === 0 ? 'tsd' : `refine-${k}`, 'model'));
  const average: RecipeRun[] = recipe.average ? [{ stage: 'refine', label: 'average', dir: recipe.modelOut, exportDir: recipe.modelOut, options: {}, average: recipe.average }] : [];
  return [
    { stage: 'vae', label: 'vae', dir: join(recipe.out, 'vae'), options: recipe.stages.vae },
    { stage: 'teacher', label: 'teacher', dir: join(recipe.out, 'teacher'), options: recipe.stages.teacher },
    { stage: 'tsd', label: 'tsd', dir: join(recipe.out, 'tsd'), exportDir: studentDir(0), options: recipe.stages.tsd },
    ...refine.map((options, k) => ({
      stage: 'refine' as const, label: `refine ${k + 1}/${refine.length}`, dir: join(recipe.out, `refine-${k + 1}`), exportDir: studentDir(k + 1),
      options: { ...options, initStudent: join(recipe.out, k === 0 ? 'tsd' : `refine-${k}`), fullFineTune: true },
    })),
    ...average,
  ];
}

/** One run of a recipe: its stage, output folder, the folder its model is exported to; `average` for the final weight average. */
interface RecipeRun { stage: RecipeStage; label: string; dir: string; exportDir?: string; options: Partial<RunOptions>; average?: RecipeAverage }

/** The file a finished stage leaves behind; its presence means the stage is done (for `refine`, the last run's). */
export function stageDoneFile(recipe: Recipe, stage: RecipeStage): string {
  const run = recipeRuns(recipe).filter((r) => r.stage === stage).at(-1);
  if (!run) return join(recipe.modelOut, 'model.json'); // a recipe without refinement runs: tsd exports the model
  return runDoneFile(run);
}

/** The file one run leaves behind when it has finished. */
function runDoneFile(run: RecipeRun): string {
  return run.stage === 'vae' ? join(run.dir, 'vae.json') : run.stage === 'teacher' ? join(run.dir, 'teacher.json') : join(run.exportDir as string, 'model.json');
}

/** What one recipe stage run did. */
export interface RecipeStageResult {
  stage: RecipeStage;
  status: 'done-before' | 'trained' | 'interrupted';
  step?: number;
}

/**
 * Runs the recipe's stages in order. A run whose output exists is skipped; one with a checkpoint resumes from it;
 * an interrupted run (Ctrl-C) stops the recipe, and running it again continues where it stopped.
 */
export async function runRecipe(recipe: Recipe, ctx: RunContext = {}, only?: RecipeStage): Promise<RecipeStageResult[]> {
  const results: RecipeStageResult[] = [];
  const [vaeDir, teacherDir] = [join(recipe.out, 'vae'), join(recipe.out, 'teacher')];
  for (const run of recipeRuns(recipe)) {
    if (only && run.stage !== only) continue;
    const done = runDoneFile(run);
    if (existsSync(done)) {
      ctx.log?.(`${run.label}: done before (${done}), skipped`);
      results.push({ stage: run.stage, status: 'done-before' });
      continue;
    }
    if (run.average) {
      ctx.log?.(`${run.label}: refinement runs ${run.average.refine.join(', ')} with weights ${run.average.weights.join(', ')}`);
      const sources = run.average.refine.map((k, i) => ({ dir: join(recipe.out, `refine-${k}`, 'model'), weight: run.average!.weights[i]! }));
      await averageModels(sources, run.dir);
      results.push({ stage: run.stage, status: 'trained' });
      continue;
    }
    const resume = existsSync(join(checkpointDir(run.dir), CHECKPOINT_FILES.meta));
    ctx.log?.(`${run.label}: ${resume ? 'resuming from its checkpoint' : 'starting'}`);
    const options = {
      ...recipe.common, ...run.options, data: recipe.data, out: run.dir, resume, id: recipe.id, name: recipe.name,
    };
    const result = run.stage === 'vae' ? await trainVae(options, ctx)
      : run.stage === 'teacher' ? await trainTeacher({ ...options, vae: vaeDir }, ctx)
        : await trainTsd({ ...options, teacher: teacherDir, exportDir: run.exportDir as string }, ctx);
    results.push({ stage: run.stage, status: result.interrupted ? 'interrupted' : 'trained', step: result.step });
    if (result.interrupted) break;
  }
  if (existsSync(join(recipe.modelOut, 'model.json'))) await recordRecipeProvenance(recipe);
  return results;
}

const readJson = async (path: string): Promise<Record<string, unknown> | null> => (existsSync(path) ? JSON.parse(await readFile(path, 'utf8')) : null);

/** The data:build manifest beside a training folder (`data/train` → `data/manifest.json`), summarised: packages and versions. */
async function datasetProvenance(dataDir: string): Promise<Record<string, unknown> | null> {
  for (const path of [join(dataDir, 'manifest.json'), join(dirname(dataDir), 'manifest.json')]) {
    const m = await readJson(path);
    if (!m || !Array.isArray(m.packages)) continue;
    const packages = (m.packages as { name: string; version: string; images?: Record<string, number> }[]).map((p) => ({
      name: p.name, version: p.version, images: Object.values(p.images ?? {}).reduce((a, b) => a + b, 0),
    }));
    return { manifest: relative(process.cwd(), path), format: m.format, createdAt: m.createdAt, settings: m.settings, totals: m.totals, packages };
  }
  return null;
}

/**
 * Adds to the exported model.json what made it: the recipe (stages and options), each stage's step count and the
 * data set's packages and versions. Idempotent; run after the TSD stage, and again by a later run of the recipe.
 */
export async function recordRecipeProvenance(recipe: Recipe): Promise<void> {
  const path = join(recipe.modelOut, 'model.json');
  const model = await readJson(path);
  if (!model) return;
  const stepsOf = async (file: string): Promise<unknown> => ((await readJson(file))?.provenance as { steps?: unknown } | undefined)?.steps ?? null;
  const provenance = (model.provenance ?? {}) as Record<string, unknown>;
  const inRepo = (p: unknown): unknown => (typeof p === 'string' && isAbsolute(p) ? relative(process.cwd(), p) : p);
  model.provenance = {
    ...provenance,
    data: inRepo(provenance.data),
    teacher: inRepo(provenance.teacher),
    recipe: {
      id: recipe.id, name: recipe.name, data: relative(process.cwd(), recipe.data), common: recipe.common ?? {}, stages: recipe.stages,
      ...(recipe.refine ? { refine: recipe.refine } : {}), ...(recipe.average ? { average: recipe.average } : {}),
    },
    stageSteps: {
      vae: await stepsOf(stageDoneFile(recipe, 'vae')), teacher: await stepsOf(stageDoneFile(recipe, 'teacher')),
      tsd: recipe.refine?.length ? await stepsOf(join(recipe.out, 'tsd', 'model', 'model.json')) : provenance.steps ?? null,
      ...(recipe.refine?.length ? { refine: await Promise.all(recipe.refine.map((_, k) => stepsOf(k + 1 === recipe.refine!.length && !recipe.average ? path : join(recipe.out, `refine-${k + 1}`, 'model', 'model.json')))) } : {}),
    },
    dataset: await datasetProvenance(recipe.data),
  };
  await writeFileAtomic(path, `${JSON.stringify(model, null, 2)}\n`);
}

/** A recipe's paths resolved against a base folder (the repository root for the committed recipes). */
export function resolveRecipePaths(recipe: Recipe, base: string): Recipe {
  const at = (p: string): string => (isAbsolute(p) ? p : resolve(base, p));
  return { ...recipe, data: at(recipe.data), out: at(recipe.out), modelOut: at(recipe.modelOut) };
}
