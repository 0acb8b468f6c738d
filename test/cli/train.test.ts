// `tsdsr train`: the trainer's flags refused with clear messages, and `train recipe` run on generated images
// (Ctrl-C exits 130 with a checkpoint, running it again resumes and exports, once more skips every stage).
import { spawn } from 'node:child_process';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../bridge-server/src/cli/args.ts';
import type { CliIO } from '../../bridge-server/src/cli/io.ts';
import { main } from '../../bridge-server/src/cli/main.ts';
import { TRAIN_OPTIONS, trainRunOptions } from '../../bridge-server/src/cli/train-options.ts';
import { writeTrainingImages } from '../trainer/loop/fixtures.ts';

const BIN = fileURLToPath(new URL('../../bridge-server/bin/tsdsr.js', import.meta.url));
const TSD = ['train', 'tsd', '--data', 'd', '--out', 'o', '--teacher', 't'];
const VAE = ['train', 'vae', '--data', 'd', '--out', 'o'];

/** The smallest recipe of the fast preset: two steps a stage, scales 2-4 and mixed degradations for the student. */
const TINY_RECIPE = {
  id: 'tiny-recipe', name: 'Tiny recipe', data: 'poster', out: 'runs', modelOut: 'model',
  common: { arch: 'fast', batch: 1, steps: 2, workers: 0, checkpointEvery: 0, sampleEvery: 0, warmupSteps: 1, seed: 1 },
  stages: {
    vae: { cropSizePx: 64 },
    teacher: { cropSizePx: 64 },
    tsd: { cropSizePx: 48, scales: [2, 3, 4], degradation: 'mixed', studentTimestep: 250, fullFineTune: true, encoderLora: false, loraRank: 4, dasmSteps: 2 },
  },
  refine: [
    { cropSizePx: 48, scale: 4, degradation: 'bicubic', studentTimestep: 250, regulariserWeight: 0, detailCandidates: 2 },
    { cropSizePx: 48, scale: 4, degradation: 'bicubic', studentTimestep: 250, regulariserWeight: 0, lr: 0.01 },
  ],
  average: { refine: [1, 2], weights: [0.5, 0.5] },
};

let root: string;
beforeAll(async () => {
  root = join(await writeTrainingImages(4, 128, 'poster'), '..');
  await writeFile(join(root, 'tiny.json'), JSON.stringify(TINY_RECIPE));
  await writeFile(join(root, 'typo.json'), JSON.stringify({ ...TINY_RECIPE, common: { stepz: 2 } }));
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** Runs the CLI in this process, collecting its output lines. */
async function tsdsr(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), stderr: { write: () => true }, env: { TSDSR_CONFIG_DIR: root } };
  const code = await main(args, io);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('tsdsr train flags', () => {
  const refusals: [string, string[], string][] = [
    ['a scale that is not a number', [...VAE, '--scales', '2,x'], '--scales 2,x: use whole numbers from 1 to 8 separated by commas'],
    ['a scale above 8', [...VAE, '--scales', '2,9'], '--scales 2,9: use whole numbers from 1 to 8'],
    ['a fractional scale', [...VAE, '--scales', '2.5'], '--scales 2.5: use whole numbers'],
    ['a repeated scale', [...VAE, '--scales', '2,2'], '--scales 2,2: a scale is repeated'],
    ['a crop that some scale does not divide', [...TSD, '--scales', '2,3,4'], 'the crop (256 px) must be a multiple of every scale, so of 12; e.g. --crop 252'],
    ['an explicit crop that some scale does not divide', [...VAE, '--scales', '3', '--crop', '64'], 'so of 3; e.g. --crop 63'],
    ['an unknown degradation', [...TSD, '--degradation', 'jpeg'], '--degradation jpeg: use one of realesrgan, bicubic, mixed'],
    ['a bicubic share above 1', [...TSD, '--degradation', 'mixed', '--bicubic-share', '1.5'], '--bicubic-share 1.5: use a number from 0 to 1'],
    ['a bicubic share without mixed', [...TSD, '--bicubic-share', '0.3'], '--bicubic-share applies only with --degradation mixed (this run\'s is realesrgan)'],
    ['a student timestep of 0', [...TSD, '--student-timestep', '0'], '--student-timestep 0: use a number above 0 and at most 1000'],
    ['a student timestep above 1000', [...TSD, '--student-timestep', '1001'], '--student-timestep 1001: use a number above 0'],
    ['an unknown architecture', [...VAE, '--arch', 'huge'], '--arch huge: use one of small, fast'],
    ['--arch for tsd', [...TSD, '--arch', 'fast'], '--arch applies to train vae and train teacher, not to train tsd'],
    ['a tsd flag for the vae', [...VAE, '--lora-rank', '4'], '--lora-rank applies to train tsd, not to train vae'],
    ['a tsd switch for the teacher', ['train', 'teacher', '--data', 'd', '--out', 'o', '--vae', 'v', '--output-gate'], '--output-gate applies to train tsd'],
    ['a LoRA rank of 0', [...TSD, '--lora-rank', '0'], '--lora-rank 0: use a whole number from 1 to 256'],
    ['fractional DASM steps', [...TSD, '--dasm-steps', '1.5'], '--dasm-steps 1.5: use a whole number from 1 to 100'],
    ['a negative regulariser weight', [...TSD, '--regulariser-weight=-1'], '--regulariser-weight -1: use a number from 0 to'],
    ['a guidance scale that is not a number', [...TSD, '--guidance-scale', 'high'], '--guidance-scale high: use a number from 0 to 100'],
    ['negative warm-up steps', [...VAE, '--warmup-steps=-1'], '--warmup-steps -1: use a whole number from 0'],
    ['an empty model name', [...TSD, '--name', '  '], '--name "  ": use 1 to 80 printable characters'],
    ['a model name for the vae', [...VAE, '--name', 'Mine'], '--name applies to train tsd, not to train vae'],
    ['--stage outside a recipe', [...VAE, '--stage', 'vae'], '--stage applies to train recipe, not to train vae'],
    ['a recipe without its file', ['train', 'recipe'], 'train recipe needs a recipe file'],
    ['a recipe with run flags', ['train', 'recipe', 'tiny.json', '--steps', '3'], 'train recipe takes only --stage and --progress-every; put --steps in the recipe file'],
    ['a recipe with an unknown stage', ['train', 'recipe', 'tiny.json', '--stage', 'student'], '--stage student: use vae, teacher, tsd or refine'],
    ['a recipe file that is missing', ['train', 'recipe', join('no', 'such.json')], 'not a readable JSON recipe'],
    ['a recipe with an unknown option', ['train', 'recipe', 'typo.json'], 'common: unknown option "stepz"'],
    ['an unknown form', ['train', 'student'], 'use tsdsr train vae, tsdsr train teacher, tsdsr train tsd, tsdsr train style or tsdsr train recipe <file.json>'],
  ];
  for (const [name, args, message] of refusals) {
    it(`exits 2 on ${name}`, async () => {
      const run = await tsdsr(...args.map((a) => (a.endsWith('.json') ? join(root, a) : a)));
      expect(run.stderr).toContain(message);
      expect(run.code).toBe(2);
    });
  }

  it('passes every new flag on as a run option', () => {
    const { values } = parseCommandLine([
      '--data', 'd', '--out', 'o', '--teacher', 't', '--crop', '96', '--scales', '2,3,4', '--degradation', 'mixed', '--bicubic-share', '0.25',
      '--student-timestep', '250', '--lora-rank', '8', '--dasm-steps', '2', '--regulariser-weight', '0.5', '--guidance-scale', '3', '--warmup-steps', '10',
      '--output-gate', '--frozen-encoder', '--full-fine-tune',
    ], TRAIN_OPTIONS);
    expect(trainRunOptions('tsd', values, {})).toMatchObject({
      cropSizePx: 96, scales: [2, 3, 4], degradation: 'mixed', bicubicShare: 0.25, studentTimestep: 250, loraRank: 8, dasmSteps: 2,
      regulariserWeight: 0.5, guidanceScale: 3, warmupSteps: 10, outputGate: true, encoderLora: false, fullFineTune: true,
    });
    const fineTune = parseCommandLine(['--data', 'd', '--out', 'o', '--teacher', 't', '--init-student', 'runs/first', '--regulariser-weight', '0'], TRAIN_OPTIONS).values;
    expect(trainRunOptions('tsd', fineTune, {})).toMatchObject({ initStudent: 'runs/first', fullFineTune: true, regulariserWeight: 0 });
    const named = parseCommandLine(['--data', 'd', '--out', 'o', '--teacher', 't', '--id', 'posters', '--name', ' Posters, crisp '], TRAIN_OPTIONS).values;
    expect(trainRunOptions('tsd', named, {})).toMatchObject({ id: 'posters', name: 'Posters, crisp' });
    const balanced = parseCommandLine(['--data', 'd', '--out', 'o', '--teacher', 't', '--repeat-folder', 'photos=3', '--repeat-folder', 'scans=2', '--detail-crops', '4'], TRAIN_OPTIONS).values;
    expect(trainRunOptions('tsd', balanced, {})).toMatchObject({ folderRepeats: { photos: 3, scans: 2 }, detailCandidates: 4 });
    expect(() => trainRunOptions('tsd', parseCommandLine(['--data', 'd', '--out', 'o', '--teacher', 't', '--repeat-folder', 'photos'], TRAIN_OPTIONS).values, {})).toThrow(/--repeat-folder photos: use <folder>=<times>/);
    const vae = parseCommandLine(['--data', 'd', '--out', 'o', '--arch', 'fast'], TRAIN_OPTIONS).values;
    expect(trainRunOptions('vae', vae, {})).toMatchObject({ arch: 'fast' });
    expect(trainRunOptions('vae', vae, {})).not.toHaveProperty('scales');
  });

  it('lists the new flags and the recipe form in its help', async () => {
    const help = await tsdsr('train', '--help');
    expect(help.code).toBe(0);
    for (const flag of ['--arch', '--scales', '--degradation', '--bicubic-share', '--student-timestep', '--lora-rank', '--dasm-steps',
      '--regulariser-weight', '--guidance-scale', '--warmup-steps', '--output-gate', '--init-student', '--name <text>', 'train recipe  <file.json> [--stage vae|teacher|tsd|refine]']) {
      expect(help.stdout).toContain(flag);
    }
  });
});

/** `tsdsr train recipe tiny.json` in its own process in `root`, sent SIGINT once the VAE stage starts. */
function interruptedRecipe(): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'train', 'recipe', 'tiny.json'], { cwd: root, env: { ...process.env, TSDSR_CONFIG_DIR: root } });
  let stderr = '';
  let sent = false;
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    if (sent || !stderr.includes('vae: starting')) return;
    sent = true;
    child.kill('SIGINT');
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
}

describe('tsdsr train recipe', () => {
  it('stops with a checkpoint on Ctrl-C, then resumes, exports the model, and skips finished stages', async () => {
    const stopped = await interruptedRecipe();
    expect(stopped.stderr).toContain('vae: interrupted at step 1');
    expect(stopped.code).toBe(130);
    expect((await stat(join(root, 'runs', 'vae', 'checkpoint', 'checkpoint.json'))).isFile()).toBe(true);

    const cwd = process.cwd();
    process.chdir(root);
    try {
      const resumed = await tsdsr('train', 'recipe', 'tiny.json');
      expect(resumed.stderr).toContain('vae: resuming from its checkpoint');
      expect(resumed.code).toBe(0);
      expect(resumed.stdout).toBe(`trained tiny-recipe in ${join(root, 'model')}; use it with --models ${join(root, 'model')}`);
      const manifest = JSON.parse(await readFile(join(root, 'model', 'model.json'), 'utf8'));
      expect(manifest).toMatchObject({ id: 'tiny-recipe', name: 'Tiny recipe', kind: 'tsdsr', scales: [2, 3, 4], latent: { factor: 4, timestep: 250 } });
      // each refinement run starts from the previous student, exported beside its run; the model averages the two
      expect(resumed.stderr).toContain('refine 1/2: starting');
      expect(resumed.stderr).toContain('refine 2/2: starting');
      expect(resumed.stderr).toContain('average: refinement runs 1, 2 with weights 0.5, 0.5');
      expect(manifest.provenance).toMatchObject({
        student: expect.stringContaining(join('runs', 'refine-1')), stageSteps: { tsd: 2, refine: [2, 2] }, recipe: { refine: [{ regulariserWeight: 0 }, { lr: 0.01 }], average: TINY_RECIPE.average },
        averagedFrom: [{ model: join('runs', 'refine-1', 'model'), weight: 0.5, steps: 2 }, { model: join('runs', 'refine-2', 'model'), weight: 0.5, steps: 2 }],
      });
      for (const run of ['tsd', 'refine-1', 'refine-2']) expect((await stat(join(root, 'runs', run, 'model', 'model.json'))).isFile()).toBe(true);
      const denoisers = await Promise.all(['runs/refine-1/model', 'runs/refine-2/model', 'model'].map((d) => readFile(join(root, d, 'denoiser.onnx'))));
      expect(denoisers[2]!.equals(denoisers[0]!) || denoisers[2]!.equals(denoisers[1]!)).toBe(false);

      const again = await tsdsr('train', 'recipe', 'tiny.json', '--stage', 'refine');
      expect(again.code).toBe(0);
      expect(again.stderr).toContain('refine: done-before');
    } finally {
      process.chdir(cwd);
    }
  }, 240_000);
});
