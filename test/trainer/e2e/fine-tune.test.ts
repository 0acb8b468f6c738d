// Data-loss-only TSD runs (γ = 0: no teacher, reg model or noise) and fine-tuning an earlier run's student further
// (--init-student): the second run starts from the first's weights, not from the teacher with conv_out zeroed.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSafetensors } from '../../../models/io/index.ts';
import { checkpointStatePath, trainTsd, type RunOptions } from '../../../trainer/src/index.ts';
import { writeTrainingImages } from '../loop/fixtures.ts';
import { distanceFromBicubic, untrainedFastTeacher, upscaleTestInput } from './fast-student.ts';

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup) await c();
});

describe('TSD data-loss-only runs and --init-student', () => {
  it('trains the student alone at γ = 0, and a second run continues from its weights', async () => {
    const data = await writeTrainingImages(3, 64);
    const root = join(data, '..');
    cleanup.push(() => rm(root, { recursive: true, force: true }));
    const teacher = await untrainedFastTeacher(join(root, 'runs'));
    const run = async (name: string, o: Partial<RunOptions>) => {
      const exportDir = join(root, name);
      const result = await trainTsd({
        data, out: join(root, `run-${name}`), teacher, exportDir, id: name, steps: 3, batch: 1, cropSizePx: 48, scale: 4, degradation: 'bicubic',
        studentTimestep: 250, fullFineTune: true, encoderLora: true, loraRank: 2, regulariserWeight: 0, lr: 2e-2, regLr: 1e-4, warmupSteps: 0,
        workers: 0, checkpointEvery: 0, sampleEvery: 0, seed: 5, ...o,
      });
      return { exportDir, result };
    };
    const first = await run('first', {});
    expect(Object.keys(first.result.history[0]!).sort()).toEqual(['latent_mse', 'loss', 'perceptual']); // no tsd or reg terms
    const state = await openSafetensors(await checkpointStatePath(join(root, 'run-first', 'checkpoint')));
    expect(new Set(state.names.map((n) => n.split('/')[0]))).toEqual(new Set(['student'])); // no reg session
    await state.close();
    expect(await distanceFromBicubic(first.exportDir)).toBeGreaterThan(2); // it trained away from its bicubic start

    // one step at a negligible learning rate from the first run's student (denoiser and encoder LoRA) reproduces it
    const second = await run('second', { initStudent: join(root, 'run-first'), steps: 1, lr: 1e-9 });
    const [a, b] = [await upscaleTestInput(first.exportDir), await upscaleTestInput(second.exportDir)];
    expect(Math.max(...a.out.data.map((v, i) => Math.abs(v - b.out.data[i]!)))).toBeLessThanOrEqual(1);
    expect(JSON.parse(await readFile(join(second.exportDir, 'model.json'), 'utf8')).provenance.student).toContain('run-first');
    // without it, the same step starts from the teacher with conv_out zeroed: the bicubic upsample
    expect(await distanceFromBicubic((await run('fresh', { steps: 1, lr: 1e-9 })).exportDir)).toBeLessThanOrEqual(1);
  }, 180_000);

  it('refuses an initial student for a LoRA student', async () => {
    const data = await writeTrainingImages(1, 64);
    const root = join(data, '..');
    cleanup.push(() => rm(root, { recursive: true, force: true }));
    const teacher = await untrainedFastTeacher(join(root, 'runs'));
    await expect(trainTsd({
      data, out: join(root, 'run'), teacher, exportDir: join(root, 'model'), steps: 1, batch: 1, cropSizePx: 48, scale: 4, fullFineTune: false,
      initStudent: join(root, 'nowhere'), workers: 0,
    })).rejects.toThrow(/--init-student needs a fully fine-tuned student/);
  });
});
