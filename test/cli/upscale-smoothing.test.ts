// `tsdsr upscale` with a model that smooths its input: each image's line says when the input was smoothed.
import { readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upscaleCommand } from '../../bridge-server/src/cli/upscale.ts';
import { nodeRuntime } from '../../bridge-server/src/runtime.ts';
import { tempConfigDir } from '../bridge/helpers.ts';
import { linesIO } from '../helpers/cli-io.ts';
import { backdrop, grey } from '../helpers/images.ts';
import { writeToyTsdsr } from '../helpers/toy-tsdsr.ts';

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempConfigDir());
  const model = join(dir, 'models', 'toy-smooth');
  writeToyTsdsr(model, { k: 0.1 });
  const manifest = JSON.parse(readFileSync(join(model, 'model.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(model, 'model.json'), JSON.stringify({ ...manifest, id: 'toy-smooth', name: 'toy-smooth', denoise: { level: 12, radius: 4, noiseRatioFrom: 1 } }));
  const dct = join(dir, 'models', 'toy-dct');
  writeToyTsdsr(dct, { k: 0.1 });
  writeFileSync(join(dct, 'model.json'), JSON.stringify({ ...manifest, id: 'toy-dct', name: 'toy-dct', denoise: { method: 'dct', level: 24 } }));
  await writeFile(join(dir, 'noisy.png'), await nodeRuntime.encodePng(grey(64, backdrop(64), 12))); // the gate smooths it
  await writeFile(join(dir, 'clean.png'), await nodeRuntime.encodePng(grey(64, backdrop(64)))); // the gate leaves it
});
afterAll(() => cleanup());

describe('tsdsr upscale with a model that smooths its input', () => {
  it('says on the line of each image whose input it smoothed, and with which settings', async () => {
    const io = linesIO(dir);
    const code = await upscaleCommand([join(dir, 'noisy.png'), join(dir, 'clean.png'), '-o', join(dir, 'out'), '--model', 'toy-smooth', '--models', join(dir, 'models'), '--scale', '2', '--device', 'cpu'], io);
    expect(code).toBe(0);
    expect(io.lines.find((l) => l.includes('noisy.png'))).toMatch(/: 64x64 -> 128x128; smoothed the input \(level 12, radius 4\)$/);
    expect(io.lines.find((l) => l.includes('clean.png'))).toMatch(/: 64x64 -> 128x128$/);
  });

  it('names the DCT method and its threshold', async () => {
    const io = linesIO(dir);
    const code = await upscaleCommand([join(dir, 'noisy.png'), '-o', join(dir, 'out-dct.png'), '--model', 'toy-dct', '--models', join(dir, 'models'), '--scale', '2', '--device', 'cpu'], io);
    expect(code).toBe(0);
    expect(io.lines.find((l) => l.includes('noisy.png'))).toMatch(/: 64x64 -> 128x128; smoothed the input \(method dct, level 24\)$/);
  });
});
