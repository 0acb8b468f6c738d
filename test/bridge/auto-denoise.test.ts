// An auto model's `denoiseFlat`: the bridge runs the flat route's model on the smoothed input, and reports the choice
// (model, verdict, score) and the smoothing.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../bridge-server/src/app.ts';
import { nodeRuntime } from '../../bridge-server/src/runtime.ts';
import { denoise } from '../../models/runtime/index.ts';
import { openUpscaler } from '../../models/runtime/node.ts';
import { backdrop, grey } from '../helpers/images.ts';
import { writeToyTsdsr } from '../helpers/toy-tsdsr.ts';
import { tempConfigDir } from './helpers.ts';

const token = 'auto-denoise-token-0123456789abcdefghijklmnopq';
const SPEC = { level: 12, radius: 4 };

/** A toy TSD-SR model directory under `root` with its own id. */
function toy(root: string, id: string, k: number): string {
  const dir = join(root, id);
  writeToyTsdsr(dir, { k });
  const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...manifest, id, name: id }));
  return dir;
}

/** An auto model directory choosing among the toys, with or without `denoiseFlat`. */
function auto(root: string, id: string, denoiseFlat?: object): string {
  const dir = join(root, id);
  writeToyTsdsr(dir, { k: 0 }); // only for the directory; the auto model.json below replaces its manifest
  writeFileSync(join(dir, 'model.json'), JSON.stringify({
    id, name: id, kind: 'auto', license: 'MIT',
    choose: { clean: 'toy-clean', degraded: 'toy-degraded', degradedFlat: 'toy-flat' },
    ...(denoiseFlat ? { denoiseFlat } : {}),
  }));
  return dir;
}

let cleanup: () => Promise<void>;
let root: string;
beforeAll(async () => {
  ({ cleanup } = await tempConfigDir());
  root = mkdtempSync(join(tmpdir(), 'tsdsr-auto-denoise-'));
  toy(root, 'toy-clean', 0);
  toy(root, 'toy-degraded', 0.3);
  toy(root, 'toy-flat', 0.1);
  auto(root, 'auto-plain');
  auto(root, 'auto-smooth', SPEC);
});
afterAll(() => cleanup());

describe('denoiseFlat through the bridge', () => {
  it('smooths the input of a degraded flat image before the flat route runs', async () => {
    const image = grey(192, backdrop(192), 12); // a noisy dark gradient: degraded and flat
    const png = Buffer.from(await nodeRuntime.encodePng(image));
    const app = await buildApp({ token, device: 'cpu', modelRoots: [root] });
    try {
      const ask = (model: string) => app.inject({ method: 'POST', url: `/v1/upscale?model=${model}&scale=2`, headers: { authorization: `Bearer ${token}`, 'content-type': 'image/png' }, payload: png });
      const [plain, smooth] = [await ask('auto-plain'), await ask('auto-smooth')];
      for (const res of [plain, smooth]) {
        expect(res.statusCode).toBe(200);
        expect(res.headers['x-tsdsr-chosen-model']).toBe('toy-flat');
        expect(res.headers['x-tsdsr-degradation']).toBe('degraded');
      }
      expect(plain.headers['x-tsdsr-input-smoothing']).toBeUndefined(); // toy-flat has no smoothing of its own
      expect(smooth.headers['x-tsdsr-input-smoothing']).toBe('level=12, radius=4');
      const flat = await openUpscaler(join(root, 'toy-flat'), 'cpu');
      const [ofImage, ofSmoothed] = [await flat.upscale(image, { scale: 2 }), await flat.upscale(denoise(image, SPEC), { scale: 2 })];
      await flat.dispose();
      // counts of differing bytes (a failing toEqual would print a 600 000-element diff)
      const differing = (a: Uint8Array, b: Uint8Array): number => a.reduce((n, v, i) => n + (v === b[i] ? 0 : 1), Math.abs(a.length - b.length));
      expect(differing((await nodeRuntime.decodeImage(plain.rawPayload)).data, ofImage.data)).toBe(0);
      expect(differing((await nodeRuntime.decodeImage(smooth.rawPayload)).data, ofSmoothed.data)).toBe(0);
      expect(differing(ofSmoothed.data, ofImage.data)).toBeGreaterThan(1000);
    } finally {
      await app.close();
    }
  });
});
