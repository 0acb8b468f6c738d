// Whether the input was smoothed before the model ran: the job decides it once with the model's gate, and the result
// says so for any model, as the REST header X-Tsdsr-Input-Smoothing and the WebSocket result's `smoothing`, through
// the in-process queue and the team queue alike.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeServerMessage } from '../../bridge-server/src/protocol/index.ts';
import { UpscaleWorker } from '../../bridge-server/src/queue/redis/index.ts';
import { ModelRegistry } from '../../bridge-server/src/registry.ts';
import { nodeRuntime } from '../../bridge-server/src/runtime.ts';
import type { RgbaImage } from '../../models/runtime/index.ts';
import { backdrop, grey } from '../helpers/images.ts';
import { writeToyTsdsr } from '../helpers/toy-tsdsr.ts';
import { startBridge, tempConfigDir, type RunningBridge } from './helpers.ts';
import { startRedis } from './redis-server.ts';
import { TestClient } from './ws-client.ts';

const SPEC = { level: 12, radius: 4, noiseRatioFrom: 1 };
const NOISY = grey(96, backdrop(96), 12); // noise over a dark gradient: the gate smooths it
const CLEAN = grey(96, backdrop(96)); // the gradient alone: the gate leaves it

/** A toy TSD-SR model directory under `root` with its own id, and `denoise` in its model.json when given. */
function toy(root: string, id: string, denoise?: object): void {
  const dir = join(root, id);
  writeToyTsdsr(dir, { k: 0.1 });
  const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...manifest, id, name: id, ...(denoise ? { denoise } : {}) }));
}

const png = async (image: RgbaImage): Promise<Buffer> => Buffer.from(await nodeRuntime.encodePng(image));
/** Counts of differing bytes (a failing toEqual on pixels would print a huge diff). */
const differing = (a: Uint8Array, b: Uint8Array): number => a.reduce((n, v, i) => n + (v === b[i] ? 0 : 1), Math.abs(a.length - b.length));

let root: string;
let bridge: RunningBridge;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ cleanup } = await tempConfigDir());
  root = mkdtempSync(join(tmpdir(), 'tsdsr-input-smoothing-'));
  toy(root, 'toy-smooth', SPEC);
  toy(root, 'toy-plain');
  toy(root, 'toy-dct', { method: 'dct', level: 24 });
  bridge = await startBridge({ modelRoots: [root] });
});
afterAll(async () => {
  await bridge.app.close();
  await cleanup();
});

async function upscale(app: RunningBridge['app'], token: string, model: string, image: RgbaImage) {
  const res = await app.inject({
    method: 'POST', url: `/v1/upscale?model=${model}&scale=2`, payload: await png(image),
    headers: { authorization: `Bearer ${token}`, 'content-type': 'image/png', origin: 'null' },
  });
  expect(res.statusCode).toBe(200);
  // a page (here the plugin's `null` origin) may read the header
  if (res.headers['x-tsdsr-input-smoothing'] !== undefined) expect(String(res.headers['access-control-expose-headers'])).toContain('x-tsdsr-input-smoothing');
  return { header: res.headers['x-tsdsr-input-smoothing'], pixels: (await nodeRuntime.decodeImage(res.rawPayload)).data };
}

describe('the input smoothing in a result', () => {
  it('is the REST header X-Tsdsr-Input-Smoothing when the input was smoothed, and absent when not', async () => {
    const ask = (model: string, image: RgbaImage) => upscale(bridge.app, bridge.token, model, image);
    const [smoothed, clean, plain, plainClean] = [await ask('toy-smooth', NOISY), await ask('toy-smooth', CLEAN), await ask('toy-plain', NOISY), await ask('toy-plain', CLEAN)];
    expect(smoothed.header).toBe('level=12, radius=4');
    expect(clean.header).toBeUndefined(); // the model's gate left it
    expect(plain.header).toBeUndefined(); // a model without smoothing
    // the header tells what ran: the same model without smoothing gives other pixels on the noisy image, the same on the clean one
    expect(differing(smoothed.pixels, plain.pixels)).toBeGreaterThan(1000);
    expect(differing(clean.pixels, plainClean.pixels)).toBe(0);
    // the DCT method (ungated here) says so by name, with its threshold
    const dct = await ask('toy-dct', NOISY);
    expect(dct.header).toBe('method=dct, level=24');
    expect(differing(dct.pixels, plain.pixels)).toBeGreaterThan(1000);
  });

  it('is the WebSocket result\'s `smoothing`, absent when the input was not smoothed', async () => {
    const client = await TestClient.paired(bridge.wsUrl, bridge.token);
    try {
      client.upscale('noisy', await png(NOISY), { model: 'toy-smooth', scale: 2 });
      client.upscale('clean', await png(CLEAN), { model: 'toy-smooth', scale: 2 });
      client.upscale('dct', await png(NOISY), { model: 'toy-dct', scale: 2 });
      const outcomes = await client.outcomes(3);
      expect(outcomes.map((o) => o.ok)).toEqual([true, true, true]);
      const results = client.frames.flatMap((f) => (f.kind === 'json' && f.message.type === 'result' ? [f.message] : []));
      expect(results.find((m) => m.id === 'noisy')).toMatchObject({ model: 'toy-smooth', smoothing: { level: 12, radius: 4 } });
      expect(results.find((m) => m.id === 'clean')).not.toHaveProperty('smoothing');
      expect(results.find((m) => m.id === 'dct')).toMatchObject({ model: 'toy-dct', smoothing: { method: 'dct', level: 24 } });
    } finally {
      client.close();
    }
  });

  it('is checked by the protocol\'s result schema: a level above 0 with a whole radius of at least 1 or method dct, nothing else', () => {
    const result = (smoothing: unknown) => decodeServerMessage(JSON.stringify({ type: 'result', id: 'j', width: 8, height: 8, model: 'toy-smooth', scale: 2, smoothing }));
    expect(result({ level: 12, radius: 4 }).ok).toBe(true);
    expect(result({ method: 'dct', level: 24 }).ok).toBe(true);
    for (const wrong of [{ level: 12 }, { level: 0, radius: 4 }, { level: 12, radius: 1.5 }, { level: 12, radius: 4, noiseRatioFrom: 1 }, 'level=12, radius=4', { method: 'dct', level: 24, radius: 4 }, { method: 'guided', level: 24 }, { method: 'dct', level: 0 }]) {
      expect(result(wrong).ok).toBe(false);
    }
  });

  it('comes back through the team queue from the worker that ran the job', async () => {
    const redis = await startRedis();
    const { dir, cleanup: cleanupQueued } = await tempConfigDir();
    const queued = await startBridge({ configDir: dir, queue: redis.url, modelRoots: [root] });
    const worker = await UpscaleWorker.start({ url: redis.url, registry: await ModelRegistry.scan([root], nodeRuntime), runtime: nodeRuntime, device: 'cpu' });
    try {
      expect((await upscale(queued.app, queued.token, 'toy-smooth', NOISY)).header).toBe('level=12, radius=4');
      expect((await upscale(queued.app, queued.token, 'toy-smooth', CLEAN)).header).toBeUndefined();
    } finally {
      await worker.close(true);
      await queued.app.close();
      await redis.stop();
      await cleanupQueued();
    }
  });
});
