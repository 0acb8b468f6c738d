/**
 * Recipes: a committed JSON file naming the three runs (VAE → teacher → TSD student) and their options, run in
 * order with resume, so a long training can span several sittings (`npm run train:default`, `tsdsr train recipe`).
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { CHECKPOINT_FILES } from './checkpoint.ts';
import { checkpointDir } from './runner.ts';
import type { RunOptions } from './run-options.ts';
import { trainTeacher, trainTsd, trainVae, type RunContext } from './runs.ts';

/** The stages of a recipe, in the order they run. */
export const RECIPE_STAGES = ['vae', 'teacher', 'tsd'] as const;
export type RecipeStage = (typeof RECIPE_STAGES)[number];

/** A recipe file's contents. Paths are relative to the working directory the recipe is run from. */
export interface Recipe {
  /** Id and display name of the exported model. */
  id: string;
  name: string;
  /** Folder of training images (e.g. `data/train` from `npm run data:build`). */
  data: string;
  /** Where the three runs keep their outputs and checkpoints: `<out>/vae`, `<out>/teacher`, `<out>/tsd`. */
  out: string;
  /** Where the trained model directory is exported. */
  modelOut: string;
  /** Options shared by every stage, then each stage's own (they win). */
  common?: Partial<RunOptions>;
  stages: Record<RecipeStage, Partial<RunOptions>>;
}

const RUN_OPTION_KEYS = new Set<string>([
  'steps', 'batch', 'cropSizePx', 'scale', 'scales', 'degradation', 'bicubicShare', 'detailCandidates', 'arch', 'studentTimestep', 'outputGate', 'encoderLora', 'fullFineTune', 'seed', 'device',
  'checkpointEvery', 'sampleEvery', 'lr', 'regLr', 'warmupSteps', 'lrCycles', 'klWeight', 'styleDropout', 'loraRank', 'dasmSteps',
  'guidanceScale', 'regulariserWeight', 'lpipsWeights', 'workers', 'style',
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
  const stages = Object.fromEntries(RECIPE_STAGES.map((s) => [s, checkOptions(`${path}: stages.${s}`, (r.stages as Record<string, unknown>)[s])]));
  return { ...(r as Recipe), common: checkOptions(`${path}: common`, r.common), stages: stages as Recipe['stages'] };
}

/** The file a finished stage leaves behind; its presence means the stage is done. */
export function stageDoneFile(recipe: Recipe, stage: RecipeStage): string {
  return stage === 'vae' ? join(recipe.out, 'vae', 'vae.json') : stage === 'teacher' ? join(recipe.out, 'teacher', 'teacher.json') : join(recipe.modelOut, 'model.json');
}

/** What one recipe stage run did. */
export interface RecipeStageResult {
  stage: RecipeStage;
  status: 'done-before' | 'trained' | 'interrupted';
  step?: number;
}

/**
 * Runs the recipe's stages in order. A stage whose output exists is skipped; one with a checkpoint resumes from it;
 * an interrupted stage (Ctrl-C) stops the recipe, and running it again continues where it stopped.
 */
export async function runRecipe(recipe: Recipe, ctx: RunContext = {}, only?: RecipeStage): Promise<RecipeStageResult[]> {
  const results: RecipeStageResult[] = [];
  const dirs = { vae: join(recipe.out, 'vae'), teacher: join(recipe.out, 'teacher'), tsd: join(recipe.out, 'tsd') };
  for (const stage of RECIPE_STAGES) {
    if (only && stage !== only) continue;
    if (existsSync(stageDoneFile(recipe, stage))) {
      ctx.log?.(`${stage}: done before (${stageDoneFile(recipe, stage)}), skipped`);
      results.push({ stage, status: 'done-before' });
      continue;
    }
    const resume = existsSync(join(checkpointDir(dirs[stage]), CHECKPOINT_FILES.meta));
    ctx.log?.(`${stage}: ${resume ? 'resuming from its checkpoint' : 'starting'}`);
    const options = {
      ...recipe.common, ...recipe.stages[stage], data: recipe.data, out: dirs[stage], resume, id: recipe.id, name: recipe.name,
    };
    const result = stage === 'vae' ? await trainVae(options, ctx)
      : stage === 'teacher' ? await trainTeacher({ ...options, vae: dirs.vae }, ctx)
        : await trainTsd({ ...options, teacher: dirs.teacher, exportDir: recipe.modelOut }, ctx);
    results.push({ stage, status: result.interrupted ? 'interrupted' : 'trained', step: result.step });
    if (result.interrupted) break;
  }
  if (existsSync(stageDoneFile(recipe, 'tsd'))) await recordRecipeProvenance(recipe);
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
  const path = stageDoneFile(recipe, 'tsd');
  const model = await readJson(path);
  if (!model) return;
  const stepsOf = async (file: string): Promise<unknown> => ((await readJson(file))?.provenance as { steps?: unknown } | undefined)?.steps ?? null;
  const provenance = (model.provenance ?? {}) as Record<string, unknown>;
  const inRepo = (p: unknown): unknown => (typeof p === 'string' && isAbsolute(p) ? relative(process.cwd(), p) : p);
  model.provenance = {
    ...provenance,
    data: inRepo(provenance.data),
    teacher: inRepo(provenance.teacher),
    recipe: { id: recipe.id, name: recipe.name, data: relative(process.cwd(), recipe.data), common: recipe.common ?? {}, stages: recipe.stages },
    stageSteps: { vae: await stepsOf(stageDoneFile(recipe, 'vae')), teacher: await stepsOf(stageDoneFile(recipe, 'teacher')), tsd: provenance.steps ?? null },
    dataset: await datasetProvenance(recipe.data),
  };
  await writeFile(path, `${JSON.stringify(model, null, 2)}\n`);
}

/** A recipe's paths resolved against a base folder (the repository root for the committed recipes). */
export function resolveRecipePaths(recipe: Recipe, base: string): Recipe {
  const at = (p: string): string => (isAbsolute(p) ? p : resolve(base, p));
  return { ...recipe, data: at(recipe.data), out: at(recipe.out), modelOut: at(recipe.modelOut) };
}
