// --resume with the adversarial loss (and sharpened targets) continues bit-identically: the discriminator's parameters
// and moments are checkpointed with the student's, and its frozen copy in the student graph is refreshed from them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkpointDir, checkpointStatePath, loadWeights, trainTsd, type RunOptions } from '../../../trainer/src/index.ts';
import { writeTrainingImages, writeUntrainedTeacher } from './fixtures.ts';

const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

async function run(base: string, name: string, data: string, teacher: string, stopAfterStep?: number, resume = false) {
  const options: Partial<RunOptions> & Pick<RunOptions, 'data' | 'out' | 'teacher' | 'exportDir'> = {
    data, teacher, out: join(base, name), exportDir: join(base, `${name}-model`), steps: 4, batch: 2, cropSizePx: 32, scale: 4,
    degradation: 'realesrgan', workers: 0, loraRank: 2, regulariserWeight: 0, adversarialWeight: 0.1, discriminatorLr: 1e-3, targetUsm: true,
    warmupSteps: 1, checkpointEvery: 0, sampleEvery: 0, resume, seed: 3,
  };
  return trainTsd(options, { stopAfterStep });
}

describe('train tsd --resume with --adversarial-weight', () => {
  it('gives the same parameters, optimiser state (discriminator included) and losses as an uninterrupted run', async () => {
    const base = await mkdtemp(join(tmpdir(), 'tsdsr-resume-adv-'));
    cleanup.push(base);
    const [data, teacher] = [await writeTrainingImages(3, 48), await writeUntrainedTeacher(base)];
    cleanup.push(join(data, '..'));
    const straight = await run(base, 'straight', data, teacher);
    const first = await run(base, 'split', data, teacher, 2);
    expect(first).toMatchObject({ step: 2, interrupted: true });
    const rest = await run(base, 'split', data, teacher, undefined, true);
    expect(rest.step).toBe(4);
    expect(straight.history.every((h) => Number.isFinite(h.adv) && Number.isFinite(h.disc))).toBe(true);
    expect([...first.history, ...rest.history]).toEqual(straight.history);
    const [a, b] = [await loadWeights(await checkpointStatePath(checkpointDir(join(base, 'straight')))), await loadWeights(await checkpointStatePath(checkpointDir(join(base, 'split'))))];
    expect([...a.keys()].filter((k) => k.startsWith('disc/disc.')).length).toBeGreaterThan(0);
    expect([...a.keys()].some((k) => k.startsWith('disc/') && k.endsWith('.m'))).toBe(true);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [k, t] of a) expect(Buffer.from(b.get(k)!.data.buffer).equals(Buffer.from(t.data.buffer)), k).toBe(true);
  }, 120_000);
});

describe('train tsd --disc-widths', () => {
  it('trains a discriminator of those widths, and an --init-discriminator of other widths is refused', async () => {
    const base = await mkdtemp(join(tmpdir(), 'tsdsr-disc-widths-'));
    cleanup.push(base);
    const [data, teacher] = [await writeTrainingImages(2, 48), await writeUntrainedTeacher(base)];
    cleanup.push(join(data, '..'));
    const common = {
      data, teacher, steps: 1, batch: 1, cropSizePx: 32, scale: 4, degradation: 'bicubic' as const, workers: 0, loraRank: 2, regulariserWeight: 0,
      adversarialWeight: 0.1, warmupSteps: 0, checkpointEvery: 0, sampleEvery: 0, seed: 1,
    };
    await trainTsd({ ...common, out: join(base, 'wide'), exportDir: join(base, 'wide-model'), discriminatorWidths: [4, 8, 12] });
    const state = await loadWeights(await checkpointStatePath(checkpointDir(join(base, 'wide'))));
    const dims = (suffix: string): readonly number[] | undefined => [...state].find(([k]) => k.startsWith('disc/') && k.endsWith(suffix))?.[1].dims;
    expect(dims('conv_in.weight')).toEqual([4, 3, 3, 3]);
    expect(dims('down_blocks.1.conv.weight')).toEqual([12, 8, 4, 4]);
    expect(dims('conv_out.weight')).toEqual([1, 12, 3, 3]);
    await expect(trainTsd({ ...common, out: join(base, 'narrow'), exportDir: join(base, 'narrow-model'), initDiscriminator: join(base, 'wide') }))
      .rejects.toThrow(/conv_in/);
  }, 120_000);
});
