/** The built plugin for tests: `npm test` builds plugin/dist first; running a test file alone rebuilds it when stale. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPlugin, DIST_DIR } from '../../plugin/build.ts';

const PLUGIN_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../plugin');

/** The built files. */
export const DIST_FILES = Object.freeze({ code: path.join(DIST_DIR, 'code.js'), ui: path.join(DIST_DIR, 'ui.html') });

function newestSourceTime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSourceTime(file) : statSync(file).mtimeMs);
  }
  return newest;
}

/** Builds plugin/dist when it is missing or older than the plugin's sources; otherwise tests what is there. */
export async function ensurePluginBuilt(): Promise<typeof DIST_FILES> {
  const built = Object.values(DIST_FILES).every((f) => existsSync(f));
  const builtAt = built ? Math.min(...Object.values(DIST_FILES).map((f) => statSync(f).mtimeMs)) : 0;
  const builders = ['build.ts', 'build-engine.ts'].map((file) => statSync(path.join(PLUGIN_DIR, file)).mtimeMs);
  const sourcesAt = Math.max(newestSourceTime(path.join(PLUGIN_DIR, 'src')), ...builders);
  if (!built || builtAt < sourcesAt) await buildPlugin();
  return DIST_FILES;
}
