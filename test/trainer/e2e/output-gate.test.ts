// The student's zero-initialised output gate, and full fine-tuning from the teacher with conv_out zeroed: with a
// pixel-shuffle-skip VAE, a student that has barely moved upscales exactly like the runtime's bicubic step, however
// poor the teacher it starts from; mixed scales 2–4.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { trainTsd } from '../../../trainer/src/index.ts';
import { distanceFromBicubic, untrainedFastTeacher } from './fast-student.ts';
import { writeTrainingImages } from '../loop/fixtures.ts';

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup) await c();
});

describe('TSD student output gate and full fine-tuning', () => {
  it('start from the bicubic input and fold into the exported model', async () => {
    const data = await writeTrainingImages(3, 64);
    cleanup.push(() => rm(join(data, '..'), { recursive: true, force: true }));
    const teacher = await untrainedFastTeacher(join(data, '..', 'runs'));
    const run = async (outputGate: boolean, name: string, fullFineTune = false): Promise<string> => {
      const exportDir = join(data, '..', name);
      await trainTsd({
        data, out: join(data, '..', `run-${name}`), teacher, exportDir, id: name, steps: 2, batch: 1, cropSizePx: 48, scales: [2, 3, 4],
        degradation: 'mixed', studentTimestep: 250, outputGate, fullFineTune, encoderLora: !fullFineTune, lr: 1e-9, regLr: 1e-9, warmupSteps: 0, loraRank: 2, dasmSteps: 2,
        workers: 0, checkpointEvery: 0, sampleEvery: 0, seed: 4,
      });
      return exportDir;
    };
    const gated = await run(true, 'gated');
    const manifest = JSON.parse(await readFile(join(gated, 'model.json'), 'utf8'));
    expect(manifest.latent).toMatchObject({ channels: 48, factor: 4, timestep: 250, perTile: true }); // the fast preset runs per tile
    expect(manifest.graphs.finish).toBe('finish.onnx');
    expect(await distanceFromBicubic(gated)).toBeLessThanOrEqual(1);
    // so does a fully fine-tuned student, which starts from the teacher with conv_out zeroed
    expect(await distanceFromBicubic(await run(false, 'full', true))).toBeLessThanOrEqual(1);
    // without either, the same untrained student is far from its input
    expect(await distanceFromBicubic(await run(false, 'ungated'))).toBeGreaterThan(8);
  }, 180_000);
});
