/**
 * `npm run build:plugin`: bundles the plugin into plugin/dist, exactly the two files manifest.json names —
 * `code.js` for Figma's sandbox (no DOM; ES2017) and `ui.html` with its script and styles inlined.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { engineAssetScripts } from './build-engine.ts';

const PLUGIN_DIR = path.dirname(fileURLToPath(import.meta.url));
/** Where the built plugin goes. */
export const DIST_DIR = path.join(PLUGIN_DIR, 'dist');

const COMMON: BuildOptions = { bundle: true, write: false, minify: true, legalComments: 'none', logLevel: 'silent', charset: 'utf8' };

async function bundle(entry: string, options: BuildOptions): Promise<string> {
  const result = await build({ ...COMMON, entryPoints: [path.join(PLUGIN_DIR, entry)], ...options });
  const [output] = result.outputFiles ?? [];
  if (!output) throw new Error(`esbuild produced nothing for ${entry}`);
  return output.text;
}

/** The sandbox bundle: an IIFE for ES2017 with no DOM, Node or module syntax. */
export async function bundleSandbox(): Promise<string> {
  return bundle('src/main/code.ts', { platform: 'neutral', format: 'iife', target: 'es2017', mainFields: ['module', 'main'] });
}

/** The UI page: the template with the bundled styles and script inlined, and after them the in-Figma engine's assets. */
export async function bundleUi(): Promise<string> {
  const [script, styles, template, engine] = await Promise.all([
    bundle('src/ui/index.ts', { platform: 'browser', format: 'iife', target: 'es2020' }),
    bundle('src/ui/styles.css', { loader: { '.css': 'css' } }),
    readFile(path.join(PLUGIN_DIR, 'src/ui/ui.html'), 'utf8'),
    engineAssetScripts(),
  ]);
  const safeScript = script.replace(/<\/script/gi, '<\\/script');
  return template
    .replace('<!-- tsdsr:styles -->', () => `<style>${styles.trim()}</style>`)
    .replace('<!-- tsdsr:script -->', () => `<script>${safeScript.trim()}</script>`)
    .replace('<!-- tsdsr:engine -->', () => engine.html);
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, file);
}

/** Builds plugin/dist (or `outDir`): writes code.js and ui.html and removes anything else there. */
export async function buildPlugin(outDir: string = DIST_DIR): Promise<{ codeBytes: number; uiBytes: number }> {
  const [code, ui] = await Promise.all([bundleSandbox(), bundleUi()]);
  await mkdir(outDir, { recursive: true });
  await Promise.all([writeAtomically(path.join(outDir, 'code.js'), code), writeAtomically(path.join(outDir, 'ui.html'), ui)]);
  for (const entry of await readdir(outDir)) {
    if (entry !== 'code.js' && entry !== 'ui.html' && !entry.endsWith('.tmp')) await rm(path.join(outDir, entry), { recursive: true, force: true });
  }
  return { codeBytes: Buffer.byteLength(code), uiBytes: Buffer.byteLength(ui) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { codeBytes, uiBytes } = await buildPlugin();
  console.log(`plugin/dist/code.js ${(codeBytes / 1024).toFixed(1)} KiB, plugin/dist/ui.html ${(uiBytes / 1024 / 1024).toFixed(2)} MiB (with the in-Figma engine)`);
}
