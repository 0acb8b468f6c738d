// `tsdsr train` flag checks: a crop the preset cannot use, negative numbers, and resuming with other flags.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../bridge-server/src/cli/io.ts';
import { main } from '../../bridge-server/src/cli/main.ts';
import { trainTsd, type RunOptions } from '../../trainer/src/index.ts';
import { writeTrainingImages, writeUntrainedTeacher } from '../trainer/loop/fixtures.ts';

const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI in this process, collecting its output lines. */
async function tsdsr(...args: string[]): Promise<{ code: number; stderr: string }> {
  const err: string[] = [];
  const io: CliIO = { out: () => undefined, err: (l) => err.push(l), stderr: { write: () => true }, env: { TSDSR_CONFIG_DIR: tmpdir() } };
  const code = await main(args, io);
  return { code, stderr: err.join('\n') };
}

const VAE = ['train', 'vae', '--data', 'd', '--out', 'o'];
const TEACHER = ['train', 'teacher', '--data', 'd', '--out', 'o', '--vae', 'v'];

describe('tsdsr train usage errors', () => {
  const refusals: [string, string[], string][] = [
    ['a teacher crop the fast preset cannot use', [...TEACHER, '--crop', '100', '--arch', 'fast'], '--crop 100: the fast preset needs a multiple of 16 for train teacher; e.g. --crop 96 or --crop 112'],
    ['a VAE crop the small preset cannot use', [...VAE, '--crop', '100'], '--crop 100: the small preset needs a multiple of 8 for train vae'],
    ['negative steps', [...VAE, '--steps', '-5'], '--steps must be a positive integer, got -5'],
    ['a negative batch', [...VAE, '--batch', '-1'], '--batch must be a positive integer, got -1'],
  ];
  for (const [name, args, message] of refusals) {
    it(`exits 2 on ${name}`, async () => {
      const run = await tsdsr(...args);
      expect(run.stderr).toContain(message);
      expect(run.stderr).not.toContain('ambiguous');
      expect(run.code).toBe(2);
    });
  }
});

describe('train tsd --resume with other flags', () => {
  it('names the flags that differ from the checkpoint instead of a missing tensor', async () => {
    const base = await mkdtemp(join(tmpdir(), 'tsdsr-resume-flags-'));
    cleanup.push(base);
    const [data, teacher] = [await writeTrainingImages(3, 48), await writeUntrainedTeacher(base)];
    cleanup.push(join(data, '..'));
    const options = (loraRank: number, resume: boolean): Partial<RunOptions> & Pick<RunOptions, 'data' | 'out' | 'teacher' | 'exportDir'> => ({
      data, teacher, out: join(base, 'run'), exportDir: join(base, 'model'), steps: 4, batch: 1, cropSizePx: 32, scale: 4,
      degradation: 'bicubic', workers: 0, loraRank, dasmSteps: 2, warmupSteps: 1, checkpointEvery: 0, sampleEvery: 0, resume, seed: 3,
    });
    expect(await trainTsd(options(2, false), { stopAfterStep: 1 })).toMatchObject({ step: 1, interrupted: true });
    await expect(trainTsd({ ...options(4, true), steps: 6 })).rejects.toThrow(/other flags: --lora-rank \(checkpoint: 2, now: 4\)/);
    expect((await trainTsd({ ...options(2, true), steps: 2 })).step).toBe(2);
  });
});
