// --resume continues bit-identically: N steps straight equal N/2 steps, a stop with checkpoint, and N/2 resumed steps.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
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
    degradation: 'realesrgan', workers: 0, loraRank: 2, dasmSteps: 2, warmupSteps: 1, checkpointEvery: 0, sampleEvery: 0, resume, seed: 3,
  };
  return trainTsd(options, { stopAfterStep });
}

describe('train tsd --resume', () => {
  it('gives the same parameters, optimiser state and losses as an uninterrupted run', async () => {
    const base = await mkdtemp(join(tmpdir(), 'tsdsr-resume-'));
    cleanup.push(base);
    const [data, teacher] = [await writeTrainingImages(3, 48), await writeUntrainedTeacher(base)];
    cleanup.push(join(data, '..'));
    const straight = await run(base, 'straight', data, teacher);
    const first = await run(base, 'split', data, teacher, 2);
    expect(first).toMatchObject({ step: 2, interrupted: true });
    const rest = await run(base, 'split', data, teacher, undefined, true);
    expect(rest.step).toBe(4);
    expect([...first.history, ...rest.history]).toEqual(straight.history);
    const [a, b] = [await loadWeights(await checkpointStatePath(checkpointDir(join(base, 'straight')))), await loadWeights(await checkpointStatePath(checkpointDir(join(base, 'split'))))];
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [k, t] of a) expect(Buffer.from(b.get(k)!.data.buffer).equals(Buffer.from(t.data.buffer)), k).toBe(true);
    const meta = JSON.parse(await readFile(join(checkpointDir(join(base, 'split')), 'checkpoint.json'), 'utf8')) as { step: number };
    expect(meta.step).toBe(4);
  }, 120_000);
});
