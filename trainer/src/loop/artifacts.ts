/**
 * Run outputs on disk: weights as safetensors plus a JSON description (VAE runs, teacher runs). Each file is written
 * crash-safe, and the JSON goes first and comes back last, so it never describes weights of another save.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { copyFileAtomic, fsyncDirectory, openSafetensors, writeFileAtomic, writeSafetensors } from '../../../models/io/index.ts';
import { readWeights, type SmallDenoiserConfig, type SmallVaeConfig, type WeightTensor } from '../../../models/nets/index.ts';

/** Weights by key. */
export type Weights = Map<string, WeightTensor>;

/** Writes weights as float32 safetensors. */
export async function saveWeights(path: string, weights: ReadonlyMap<string, WeightTensor>): Promise<void> {
  await writeSafetensors(path, [...weights].map(([name, t]) => ({ name, dtype: 'F32' as const, shape: t.dims, data: t.data })));
}

/** Reads every tensor of a safetensors file as float32. */
export async function loadWeights(path: string): Promise<Weights> {
  const reader = await openSafetensors(path);
  try {
    const source = await readWeights(reader);
    return new Map(source.names.map((n) => [n, source.get(n)]));
  } finally {
    await reader.close();
  }
}

/** `vae.json` of a `train vae` run. */
export interface VaeRunInfo {
  format: 'tsdsr-small-vae';
  config: SmallVaeConfig;
  provenance: Record<string, unknown>;
}

/** `teacher.json` of a `train teacher` run (its folder also holds a copy of the VAE). */
export interface TeacherRunInfo {
  format: 'tsdsr-small-teacher';
  vae: SmallVaeConfig;
  denoiser: SmallDenoiserConfig;
  styles: string[];
  provenance: Record<string, unknown>;
}

/** Removes a run's description before its weights are replaced: a crash then leaves an unfinished run, not a mismatched one. */
async function retract(path: string): Promise<void> {
  await rm(path, { force: true });
  await fsyncDirectory(dirname(path));
}

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** Saves a trained VAE (weights and config with the measured scaling factor). */
export async function saveVaeRun(dir: string, weights: Weights, info: VaeRunInfo): Promise<void> {
  await mkdir(dir, { recursive: true });
  await retract(join(dir, 'vae.json'));
  await saveWeights(join(dir, 'vae.safetensors'), weights);
  await writeFileAtomic(join(dir, 'vae.json'), json(info));
}

/** Loads a `train vae` output folder. */
export async function loadVaeRun(dir: string): Promise<{ info: VaeRunInfo; weights: Weights }> {
  const info = JSON.parse(await readFile(join(dir, 'vae.json'), 'utf8')) as VaeRunInfo;
  if (info.format !== 'tsdsr-small-vae') throw new Error(`${dir}/vae.json: not a small VAE run`);
  return { info, weights: await loadWeights(join(dir, 'vae.safetensors')) };
}

/** Saves a trained teacher: denoiser weights, a copy of its VAE, and teacher.json. */
export async function saveTeacherRun(dir: string, vaeDir: string, weights: Weights, info: TeacherRunInfo): Promise<void> {
  await mkdir(dir, { recursive: true });
  await retract(join(dir, 'teacher.json'));
  await saveWeights(join(dir, 'denoiser.safetensors'), weights);
  await copyFileAtomic(join(vaeDir, 'vae.safetensors'), join(dir, 'vae.safetensors'));
  await writeFileAtomic(join(dir, 'teacher.json'), json(info));
}

/** Loads a `train teacher` output folder. */
export async function loadTeacherRun(dir: string): Promise<{ info: TeacherRunInfo; vae: Weights; denoiser: Weights }> {
  const info = JSON.parse(await readFile(join(dir, 'teacher.json'), 'utf8')) as TeacherRunInfo;
  if (info.format !== 'tsdsr-small-teacher') throw new Error(`${dir}/teacher.json: not a small teacher run`);
  return { info, vae: await loadWeights(join(dir, 'vae.safetensors')), denoiser: await loadWeights(join(dir, 'denoiser.safetensors')) };
}

/** Weights as float tensors keyed for a session's initial parameters. */
export function asParams(weights: ReadonlyMap<string, WeightTensor>, prefix = ''): Map<string, { dims: readonly number[]; data: Float32Array }> {
  return new Map([...weights].map(([k, t]) => [prefix + k, { dims: t.dims, data: t.data }]));
}
