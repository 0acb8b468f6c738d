/**
 * `npm run train:default [-- --recipe FILE] [--stage vae|teacher|tsd]`: runs a committed recipe (default
 * trainer/recipes/default.json) from the repository root, resuming whatever an earlier sitting left.
 */
import { parseArgs } from 'node:util';
import { RECIPE_STAGES, readRecipe, resolveRecipePaths, runRecipe, type RecipeStage } from './loop/recipe.ts';

const { values } = parseArgs({ options: { recipe: { type: 'string', default: 'trainer/recipes/default.json' }, stage: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log('Usage: npm run train:default [-- --recipe trainer/recipes/default.json] [--stage vae|teacher|tsd]\nRuns VAE → teacher → TSD with resume; run it again to continue after Ctrl-C.');
  process.exit(0);
}
const stage = values.stage as RecipeStage | undefined;
if (stage !== undefined && !RECIPE_STAGES.includes(stage)) {
  console.error(`--stage ${stage}: use one of ${RECIPE_STAGES.join(', ')}`);
  process.exit(2);
}
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
process.once('SIGTERM', () => controller.abort());
try {
  const recipe = resolveRecipePaths(await readRecipe(values.recipe), process.cwd());
  const results = await runRecipe(recipe, { progress: process.stderr, log: (m) => console.error(m), signal: controller.signal }, stage);
  for (const r of results) console.log(`${r.stage}: ${r.status}${r.step !== undefined ? ` at step ${r.step}` : ''}`);
  process.exit(results.some((r) => r.status === 'interrupted') ? 130 : 0);
} catch (e) {
  console.error(`train:default: ${(e as Error).message}`);
  process.exit(1);
}
