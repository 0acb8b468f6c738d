// Choosing the perceptual term: the L1 + (1 − SSIM) substitute by default; LPIPS weights are checked, then refused clearly.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSafetensors } from '../../../models/io/index.ts';
import { L1_SSIM_NAME, LpipsNotSupportedError, loadPerceptualLoss } from '../../../trainer/src/tsd/index.ts';

describe('perceptual loss selection', () => {
  const dirs: string[] = [];
  afterAll(async () => { await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))); });

  it('defaults to the documented substitute, named for logs and model.json', async () => {
    const loss = await loadPerceptualLoss();
    expect(loss.name).toBe(L1_SSIM_NAME);
    expect(typeof loss.build).toBe('function');
  });

  it('opens user-supplied LPIPS weights, then says LPIPS is not yet supported', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tsd-lpips-'));
    dirs.push(dir);
    const file = path.join(dir, 'lpips.safetensors');
    await writeSafetensors(file, [{ name: 'lin0.model.1.weight', dtype: 'F32', shape: [1, 64, 1, 1], data: new Float32Array(64) }]);
    const attempt = loadPerceptualLoss({ kind: 'lpips', weightsPath: file });
    await expect(attempt).rejects.toBeInstanceOf(LpipsNotSupportedError);
    await expect(loadPerceptualLoss({ kind: 'lpips', weightsPath: file })).rejects.toThrow(/not yet supported.*l1\+\(1-ssim\)/);
  });

  it('reports a missing weights file as such', async () => {
    await expect(loadPerceptualLoss({ kind: 'lpips', weightsPath: '/nonexistent/lpips.safetensors' })).rejects.toThrow(/nonexistent/);
  });
});
