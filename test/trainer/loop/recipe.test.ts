// readRecipe: the committed default recipe reads back; unknown option keys, missing fields and bad JSON are refused by name.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRecipe, recordRecipeProvenance, resolveRecipePaths, type Recipe } from '../../../trainer/src/index.ts';

const GOOD = {
  id: 'r', name: 'R', data: 'data/train', out: 'runs/r', modelOut: 'runs/r/model',
  common: { arch: 'fast', batch: 1 }, stages: { vae: { steps: 2 }, teacher: { steps: 2 }, tsd: { steps: 2, scales: [2, 3, 4] } },
};

let dir: string;
beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), 'tsdsr-recipe-'))));
afterAll(() => rm(dir, { recursive: true, force: true }));

async function recipeFile(contents: unknown): Promise<string> {
  const path = join(dir, `recipe-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(path, typeof contents === 'string' ? contents : JSON.stringify(contents));
  return path;
}

describe('readRecipe', () => {
  it('reads the committed default recipe and resolves its paths against a base folder', async () => {
    const recipe = await readRecipe(fileURLToPath(new URL('../../../trainer/recipes/default.json', import.meta.url)));
    expect(recipe).toMatchObject({ id: 'tsdsr-fast', common: { arch: 'fast' }, stages: { tsd: { scales: [2, 3, 4], degradation: 'mixed' } } });
    expect(resolveRecipePaths(recipe, '/base')).toMatchObject({ data: '/base/data/train', out: '/base/runs/default', modelOut: '/base/runs/default/model' });
  });

  it('reads a good recipe as written', async () => {
    expect(await readRecipe(await recipeFile(GOOD))).toEqual(GOOD);
  });

  const refusals: [string, unknown, RegExp][] = [
    ['an unknown option in common', { ...GOOD, common: { stepz: 2 } }, /common: unknown option "stepz" \(known: steps, /],
    ['an unknown option in a stage', { ...GOOD, stages: { ...GOOD.stages, tsd: { lora_rank: 4 } } }, /stages\.tsd: unknown option "lora_rank"/],
    ['stage options that are not an object', { ...GOOD, stages: { ...GOOD.stages, vae: [1] } }, /stages\.vae: expected an object of run options/],
    ['a missing id', { ...GOOD, id: undefined }, /"id" must be a non-empty string/],
    ['an empty data folder', { ...GOOD, data: '' }, /"data" must be a non-empty string/],
    ['a missing modelOut', { ...GOOD, modelOut: undefined }, /"modelOut" must be a non-empty string/],
    ['missing stages', { ...GOOD, stages: undefined }, /"stages" must hold vae, teacher and tsd/],
    ['text that is not JSON', '{ "id": ', /not a readable JSON recipe/],
    ['an average of one run', { ...GOOD, refine: [{}, {}], average: { refine: [1], weights: [1] } }, /average: name at least two refinement runs/],
    ['an average of a run that does not exist', { ...GOOD, refine: [{}, {}], average: { refine: [1, 3], weights: [0.5, 0.5] } }, /average: refinement run 3 does not exist \(the recipe has 2/],
    ['an average naming a run twice', { ...GOOD, refine: [{}, {}], average: { refine: [2, 2], weights: [0.5, 0.5] } }, /average: a refinement run is named twice/],
    ['average weights that do not sum to 1', { ...GOOD, refine: [{}, {}], average: { refine: [1, 2], weights: [0.5, 0.6] } }, /average: the weights must sum to 1 \(they sum to 1\.1/],
    ['an average weight of 0', { ...GOOD, refine: [{}, {}], average: { refine: [1, 2], weights: [0, 1] } }, /average: every weight must be a number above 0/],
    ['an average without weights', { ...GOOD, refine: [{}, {}], average: { refine: [1, 2] } }, /average: expected \{ "refine": \[run numbers\], "weights": \[shares\] \}/],
  ];
  for (const [name, contents, message] of refusals) {
    it(`refuses ${name}`, async () => {
      await expect(readRecipe(await recipeFile(contents))).rejects.toThrow(message);
    });
  }
});

describe('recordRecipeProvenance', () => {
  it('adds the recipe, each stage\'s steps and the data set\'s packages and versions to model.json, idempotently', async () => {
    const base = join(dir, 'prov');
    const write = async (path: string, value: unknown): Promise<void> => {
      await mkdir(join(path, '..'), { recursive: true });
      await writeFile(path, JSON.stringify(value));
    };
    await write(join(base, 'data', 'manifest.json'), {
      format: 'tsdsr-dataset/1', createdAt: 'then', settings: { seed: 1 }, totals: { images: 3 },
      packages: [{ name: 'gnome-backgrounds', version: '43.1-1', images: { photo: 2, graphic: 1 } }],
    });
    await write(join(base, 'runs', 'vae', 'vae.json'), { provenance: { steps: 11 } });
    await write(join(base, 'runs', 'teacher', 'teacher.json'), { provenance: { steps: 22 } });
    await write(join(base, 'model', 'model.json'), { id: 'r', provenance: { steps: 33, commit: 'abc' } });
    const recipe = resolveRecipePaths({ ...GOOD, data: 'data/train', out: 'runs', modelOut: 'model' } as Recipe, base);
    await recordRecipeProvenance(recipe);
    await recordRecipeProvenance(recipe);
    const model = JSON.parse(await readFile(join(base, 'model', 'model.json'), 'utf8'));
    expect(model.provenance).toMatchObject({
      steps: 33, commit: 'abc', stageSteps: { vae: 11, teacher: 22, tsd: 33 },
      recipe: { id: 'r', stages: { tsd: { scales: [2, 3, 4] } } },
      dataset: { format: 'tsdsr-dataset/1', packages: [{ name: 'gnome-backgrounds', version: '43.1-1', images: 3 }] },
    });
  });
});
