// `tsdsr train tsd --adversarial-weight / --disc-lr / --target-usm`: parsed into run options, refused for other stages
// and out of range, and accepted as recipe keys.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../bridge-server/src/cli/args.ts';
import { TRAIN_OPTIONS, trainRunOptions } from '../../bridge-server/src/cli/train-options.ts';
import { readRecipe } from '../../trainer/src/loop/recipe.ts';
import { resumeOptionChanges } from '../../trainer/src/loop/resume-check.ts';

const TSD = ['--data', 'd', '--out', 'o', '--teacher', 't'];
const parse = (args: string[]) => parseCommandLine(args, TRAIN_OPTIONS).values;

describe('adversarial and sharpened-target flags', () => {
  it('become adversarialWeight, discriminatorLr and targetUsm, and are left out when not given', () => {
    expect(trainRunOptions('tsd', parse([...TSD, '--adversarial-weight', '0.05', '--disc-lr', '2e-4', '--target-usm']), {}))
      .toMatchObject({ adversarialWeight: 0.05, discriminatorLr: 2e-4, targetUsm: true });
    const plain = trainRunOptions('tsd', parse(TSD), {});
    for (const key of ['adversarialWeight', 'discriminatorLr', 'targetUsm']) expect(plain).not.toHaveProperty(key);
  });

  it('are refused for train vae and teacher, and out of range', () => {
    expect(() => trainRunOptions('vae', parse(['--data', 'd', '--out', 'o', '--target-usm']), {})).toThrow(/--target-usm applies to train tsd/);
    expect(() => trainRunOptions('teacher', parse(['--data', 'd', '--out', 'o', '--vae', 'v', '--adversarial-weight', '0.1']), {})).toThrow(/--adversarial-weight applies to train tsd/);
    expect(() => trainRunOptions('tsd', parse([...TSD, '--adversarial-weight=-1']), {})).toThrow(/--adversarial-weight -1: use a number from 0/);
    expect(() => trainRunOptions('tsd', parse([...TSD, '--disc-lr', '2']), {})).toThrow(/--disc-lr 2: use a number between 0 and 1/);
  });

  it('--feature-matching-weight and --init-discriminator become featureMatchingWeight and initDiscriminator, for tsd only', () => {
    expect(trainRunOptions('tsd', parse([...TSD, '--adversarial-weight', '0.5', '--feature-matching-weight', '10', '--init-discriminator', 'runs/a']), {}))
      .toMatchObject({ featureMatchingWeight: 10, initDiscriminator: 'runs/a' });
    expect(() => trainRunOptions('teacher', parse(['--data', 'd', '--out', 'o', '--vae', 'v', '--feature-matching-weight', '1']), {})).toThrow(/--feature-matching-weight applies to train tsd/);
    expect(() => trainRunOptions('tsd', parse([...TSD, '--feature-matching-weight=-1']), {})).toThrow(/--feature-matching-weight -1: use a number from 0/);
    expect(resumeOptionChanges({ steps: 1, featureMatchingWeight: 1 }, { steps: 1, featureMatchingWeight: 10 }).map((c) => c.flag)).toEqual(['--feature-matching-weight']);
  });

  it('--gradient-variance-weight becomes gradientVarianceWeight, for tsd only, and is a recipe key', async () => {
    expect(trainRunOptions('tsd', parse([...TSD, '--gradient-variance-weight', '2']), {})).toMatchObject({ gradientVarianceWeight: 2 });
    expect(trainRunOptions('tsd', parse(TSD), {})).not.toHaveProperty('gradientVarianceWeight');
    expect(() => trainRunOptions('vae', parse(['--data', 'd', '--out', 'o', '--gradient-variance-weight', '1']), {})).toThrow(/--gradient-variance-weight applies to train tsd/);
    expect(() => trainRunOptions('tsd', parse([...TSD, '--gradient-variance-weight=-1']), {})).toThrow(/--gradient-variance-weight -1: use a number from 0/);
    expect(resumeOptionChanges({ steps: 1, gradientVarianceWeight: 1 }, { steps: 1, gradientVarianceWeight: 2 }).map((c) => c.flag)).toEqual(['--gradient-variance-weight']);
    const dir = await mkdtemp(join(tmpdir(), 'tsdsr-recipe-gv-'));
    try {
      const path = join(dir, 'r.json');
      await writeFile(path, JSON.stringify({ id: 'r', name: 'R', data: 'd', out: 'o', modelOut: 'm', stages: { vae: {}, teacher: {}, tsd: { gradientVarianceWeight: 2 } } }));
      expect((await readRecipe(path)).stages.tsd).toEqual({ gradientVarianceWeight: 2 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('--disc-widths becomes discriminatorWidths, for tsd only, checked, and is a recipe key', async () => {
    expect(trainRunOptions('tsd', parse([...TSD, '--adversarial-weight', '0.5', '--disc-widths', '32,64,128,128,128']), {})).toMatchObject({ discriminatorWidths: [32, 64, 128, 128, 128] });
    expect(trainRunOptions('tsd', parse(TSD), {})).not.toHaveProperty('discriminatorWidths');
    expect(() => trainRunOptions('vae', parse(['--data', 'd', '--out', 'o', '--disc-widths', '8,16']), {})).toThrow(/--disc-widths applies to train tsd/);
    for (const bad of ['64', '8,16.5', '8,,16', '2,16', '8,16,32,64,128,256,512']) {
      expect(() => trainRunOptions('tsd', parse([...TSD, '--disc-widths', bad]), {})).toThrow(/--disc-widths .*: use 2 to 6 whole numbers from 4 to 512/);
    }
    expect(resumeOptionChanges({ steps: 1, discriminatorWidths: [16, 32] }, { steps: 1, discriminatorWidths: [32, 64] }).map((c) => c.flag)).toEqual(['--disc-widths']);
    const dir = await mkdtemp(join(tmpdir(), 'tsdsr-recipe-dw-'));
    try {
      const path = join(dir, 'r.json');
      await writeFile(path, JSON.stringify({ id: 'r', name: 'R', data: 'd', out: 'o', modelOut: 'm', stages: { vae: {}, teacher: {}, tsd: { discriminatorWidths: [8, 16] } } }));
      expect((await readRecipe(path)).stages.tsd).toEqual({ discriminatorWidths: [8, 16] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('name themselves when a resume changes them', () => {
    expect(resumeOptionChanges({ steps: 1, adversarialWeight: 0.1 }, { steps: 1, adversarialWeight: 0.2, targetUsm: true }).map((c) => c.flag))
      .toEqual(['--adversarial-weight', '--target-usm']);
  });

  it('are recipe keys', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tsdsr-recipe-adv-'));
    try {
      const path = join(dir, 'r.json');
      await writeFile(path, JSON.stringify({
        id: 'r', name: 'R', data: 'd', out: 'o', modelOut: 'm', stages: { vae: {}, teacher: {}, tsd: { adversarialWeight: 0.1, discriminatorLr: 1e-4, targetUsm: true } },
      }));
      expect((await readRecipe(path)).stages.tsd).toEqual({ adversarialWeight: 0.1, discriminatorLr: 1e-4, targetUsm: true });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
