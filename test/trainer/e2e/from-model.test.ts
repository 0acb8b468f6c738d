// Training further from an exported model (--from-model): the shipped tsdsr-fast is read back from its ONNX graphs, a
// run at a negligible learning rate reproduces tsdsr-real with its anti-ringing and input smoothing, and what cannot
// be trained further is refused with the reason.
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModelWeights, trainTsd } from '../../../trainer/src/index.ts';
import { writeTrainingImages } from '../loop/fixtures.ts';
import { upscaleTestInput } from './fast-student.ts';

const ZOO = join(import.meta.dirname, '..', '..', '..', 'models', 'zoo');
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup) await c();
});

describe('train tsd --from-model', () => {
  it('reads the shipped default back: fast preset, its t_s, scaling factor and baked style', async () => {
    const m = await loadModelWeights(join(ZOO, 'tsdsr-fast'));
    const manifest = JSON.parse(await readFile(join(ZOO, 'tsdsr-fast', 'model.json'), 'utf8'));
    expect(m.preset).toBe('fast');
    expect(m.timestep).toBe(manifest.latent.timestep);
    expect(m.config.vae.scalingFactor).toBe(manifest.latent.scalingFactor);
    expect(m.style.name).toBe(manifest.provenance.style);
    // a trained weight, not the preset's initialisation (conv_out starts at zero there)
    expect(Math.max(...m.denoiser.get('conv_out.weight')!.data.map(Math.abs))).toBeGreaterThan(1e-3);
  });

  it('starts the student as the model and keeps its settings: a step at a negligible learning rate exports the same pictures', async () => {
    // tsdsr-real: its anti-ringing and input smoothing are part of its pictures, so the export must state them too
    const base = join(ZOO, 'tsdsr-real');
    const baseManifest = JSON.parse(await readFile(join(base, 'model.json'), 'utf8'));
    expect(baseManifest.antiRing).toBeGreaterThan(0);
    expect(baseManifest.denoise).toBeDefined();
    const data = await writeTrainingImages(2, 64);
    const root = join(data, '..');
    cleanup.push(() => rm(root, { recursive: true, force: true }));
    const exportDir = join(root, 'again');
    const log: string[] = [];
    const result = await trainTsd({
      data, out: join(root, 'run'), fromModel: base, exportDir, id: 'again', steps: 1, batch: 1, cropSizePx: 64, scale: 4,
      degradation: 'bicubic', lr: 1e-12, warmupSteps: 0, workers: 0, checkpointEvery: 0, sampleEvery: 0, seed: 3,
    }, { log: (line) => log.push(line) });
    expect(Object.keys(result.history[0]!).sort()).toEqual(['latent_mse', 'loss', 'perceptual']); // γ = 0 by default
    const [a, b] = [await upscaleTestInput(base), await upscaleTestInput(exportDir)];
    expect(Math.max(...a.out.data.map((v, i) => Math.abs(v - b.out.data[i]!)))).toBeLessThanOrEqual(1);
    const manifest = JSON.parse(await readFile(join(exportDir, 'model.json'), 'utf8'));
    expect(manifest.latent.timestep).toBe(250);
    expect(manifest.provenance.fromModel).toContain('tsdsr-real');
    expect(manifest.antiRing).toBe(baseManifest.antiRing);
    expect(manifest.denoise).toEqual(baseManifest.denoise);
    expect(log.join('\n')).toContain(`the export keeps its anti-ringing ${baseManifest.antiRing} and input smoothing (level ${baseManifest.denoise.level})`);
  }, 120_000);

  it('refuses what a model cannot be trained further with', async () => {
    const data = await writeTrainingImages(1, 64);
    const root = join(data, '..');
    cleanup.push(() => rm(root, { recursive: true, force: true }));
    const base = { data, out: join(root, 'run'), exportDir: join(root, 'model'), steps: 1, batch: 1, cropSizePx: 64, workers: 0 };
    const fast = join(ZOO, 'tsdsr-fast');
    await expect(trainTsd({ ...base, fromModel: fast, regulariserWeight: 1 })).rejects.toThrow(/data loss alone/);
    await expect(trainTsd({ ...base, fromModel: fast, studentTimestep: 1000 })).rejects.toThrow(/trained at t_s = 250/);
    await expect(trainTsd({ ...base, fromModel: join(ZOO, 'bicubic') })).rejects.toThrow(/only TSD-SR students/);
    await expect(trainTsd({ ...base, fromModel: root })).rejects.toThrow(/no model.json/);
    const odd = join(root, 'odd');
    await cp(fast, odd, { recursive: true });
    const manifest = JSON.parse(await readFile(join(odd, 'model.json'), 'utf8'));
    await writeFile(join(odd, 'model.json'), JSON.stringify({ ...manifest, denoise: { level: 'high' } }));
    await expect(loadModelWeights(odd)).rejects.toThrow(/denoise must be/);
  }, 60_000);
});
