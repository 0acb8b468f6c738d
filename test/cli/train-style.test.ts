// `tsdsr train style`: a short fine-tune of the shipped default on a folder, part of it held out by file and never
// trained on, scored against the model it started from; and the command's usage errors.
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../bridge-server/src/cli/io.ts';
import { main } from '../../bridge-server/src/cli/main.ts';
import { idFromName, styleScoreLines } from '../../bridge-server/src/cli/train-style.ts';
import { heldOutImages } from '../../trainer/src/index.ts';
import { writeTrainingImages } from '../trainer/loop/fixtures.ts';

const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

async function tsdsr(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), stderr: { write: () => true }, env };
  const code = await main(args, io);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

const entry = (relativePath: string) => ({ path: `/x/${relativePath}`, relativePath, width: 64, height: 64, caption: null, style: 's' });

describe('tsdsr train style', () => {
  it('holds out about a tenth of the folder by file name: stable, 1 to 16 images, none under 6', () => {
    const many = Array.from({ length: 40 }, (_, i) => entry(`a/img-${i}.png`));
    const held = heldOutImages(many);
    expect(held).toHaveLength(4);
    expect(heldOutImages([...many].reverse()).map((e) => e.relativePath)).toEqual(held.map((e) => e.relativePath));
    expect(heldOutImages(Array.from({ length: 500 }, (_, i) => entry(`b/${i}.png`)))).toHaveLength(16);
    expect(heldOutImages(many.slice(0, 5))).toEqual([]);
    expect(heldOutImages(many.slice(0, 6))).toHaveLength(1);
  });

  it('fine-tunes tsdsr-fast on the rest, exports under the name\'s id and prints the held-out scores', async () => {
    const data = await writeTrainingImages(6, 64, 'posters');
    const root = join(data, '..');
    cleanup.push(root);
    const env = { TSDSR_CONFIG_DIR: join(root, 'config') };
    const run = await tsdsr(env, 'train', 'style', '--data', data, '--name', 'My Posters!', '--steps', '2', '--crop', '64', '--batch', '1');
    expect(run.code, run.stderr).toBe(0);
    const modelDir = join(root, 'config', 'models', 'my-posters');
    const manifest = JSON.parse(await readFile(join(modelDir, 'model.json'), 'utf8'));
    expect(manifest).toMatchObject({ id: 'my-posters', name: 'My Posters!' });
    expect(manifest.provenance.fromModel).toContain('tsdsr-fast');
    const heldName = /holding out 1 of 6 images to score the style: (\S+)/.exec(run.stderr)?.[1];
    expect(heldName).toMatch(/^image-\d\.png$/);
    expect(manifest.provenance.recipe.exclude).toEqual([heldName]); // never trained on
    expect(run.stdout).toMatch(/held-out images: 1/);
    expect(run.stdout).toMatch(/bicubic +\d+\.\d\d dB/);
    expect(run.stdout).toMatch(/tsdsr-fast +\d+\.\d\d dB/);
    expect(run.stdout).toMatch(/my-posters +\d+\.\d\d dB \([+-]\d+\.\d\d dB against tsdsr-fast\)/);
    expect(run.stdout).toContain('--model my-posters');
  }, 120_000);

  it('refuses what does not apply, naming the fix', async () => {
    const env = { TSDSR_CONFIG_DIR: tmpdir() };
    expect((await tsdsr(env, 'train', 'style', '--data', 'd')).stderr).toContain('train style needs --name');
    expect((await tsdsr(env, 'train', 'style', '--data', 'd', '--name', 'x', '--teacher', 't')).stderr).toContain('--teacher, --vae and --init-student do not apply');
    expect((await tsdsr(env, 'train', 'style', '--data', 'd', '--name', 'x', '--from', 'no-such-model')).stderr).toContain('--from-model no-such-model: no model directory');
    expect((await tsdsr(env, 'train', 'tsd', '--data', 'd', '--out', 'o', '--from', 'tsdsr-fast')).stderr).toContain('--from applies to train style');
  });

  it('ids and the score table', () => {
    expect(idFromName('  Café Posters 2!  ')).toBe('cafe-posters-2');
    expect(idFromName('???')).toBe('style');
    expect(styleScoreLines([{ label: 'tsdsr-fast', psnrY: 30 }, { label: 'mine', psnrY: 30.456 }], 2, 'tsdsr-fast').at(-1)).toBe('  mine        30.46 dB (+0.46 dB against tsdsr-fast)');
  });
});
