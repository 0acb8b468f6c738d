// The shipped `auto` model (tsdsr-auto): listed like any model, each image run through the model its degradation
// estimate chooses, with the choice reported over REST and WebSocket; skipped, saying why, when a model it needs is missing.
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZOO_DIR } from '../../bridge-server/src/paths.ts';
import type { ModelInfo } from '../../bridge-server/src/protocol/index.ts';
import { ModelRegistry } from '../../bridge-server/src/registry.ts';
import { nodeRuntime } from '../../bridge-server/src/runtime.ts';
import type { RgbaImage } from '../../models/runtime/index.ts';
import { texture } from '../helpers/textures.ts';
import { startBridge, tempConfigDir, type RunningBridge } from './helpers.ts';
import { TestClient } from './ws-client.ts';

let bridge: RunningBridge;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ cleanup } = await tempConfigDir());
  bridge = await startBridge();
});
afterAll(async () => {
  await bridge.app.close();
  await cleanup();
});

/** The image with seeded uniform noise of ±`amplitude` levels on each colour channel. */
function noisy(image: RgbaImage, amplitude: number): RgbaImage {
  let s = 3;
  const data = image.data.map((v, p) => ((p & 3) === 3 ? v : Math.max(0, Math.min(255, Math.round(v + amplitude * (2 * ((s = (s * 16807) % 2147483647) / 2147483647) - 1))))));
  return { ...image, data };
}

const png = (image: RgbaImage): Promise<Buffer> => sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 4 } }).png().toBuffer();
const pixels = async (bytes: Uint8Array): Promise<Buffer> => sharp(bytes).ensureAlpha().raw().toBuffer();
const CLEAN = texture(48, 48, 2, 0.05);
const NOISY = noisy(CLEAN, 30);
/** An icon: the noisy image with its top 8 rows transparent. */
const NOISY_ICON = { ...NOISY, data: NOISY.data.map((v, p) => ((p & 3) === 3 && p < 4 * 48 * 8 ? 0 : v)) };

async function upscale(model: string, image: Buffer): Promise<{ headers: Record<string, unknown>; png: Buffer }> {
  const res = await bridge.app.inject({
    method: 'POST', url: `/v1/upscale?model=${model}&scale=2`, payload: image,
    headers: { authorization: `Bearer ${bridge.token}`, 'content-type': 'image/png' },
  });
  expect(res.statusCode).toBe(200);
  return { headers: res.headers, png: res.rawPayload };
}

describe('the auto model tsdsr-auto', () => {
  it('is listed with the scales, tile and colour fix of the model it runs on clean images', async () => {
    const res = await bridge.app.inject({ url: '/v1/models', headers: { authorization: `Bearer ${bridge.token}` } });
    const models = (res.json() as { models: ModelInfo[] }).models;
    const [auto, fast] = ['tsdsr-auto', 'tsdsr-fast'].map((id) => models.find((m) => m.id === id));
    expect(auto).toMatchObject({ name: 'TSD-SR Auto', scales: [2, 3, 4], colorFix: fast?.colorFix, tile: fast?.tile });
    expect(models[0]!.id).toBe('tsdsr-auto'); // the default, listed first
  });

  it.each([
    { what: 'a clean image', image: CLEAN, chosen: 'tsdsr-fast', degradation: 'clean' },
    { what: 'a noisy image', image: NOISY, chosen: 'tsdsr-real', degradation: 'degraded' },
    { what: 'a noisy icon', image: NOISY_ICON, chosen: 'tsdsr-real-graphics', degradation: 'degraded' },
  ])('runs $what through $chosen, says so in headers, and gives its pixels', async ({ image, chosen, degradation }) => {
    const bytes = await png(image);
    const auto = await upscale('tsdsr-auto', bytes);
    expect(auto.headers).toMatchObject({ 'x-tsdsr-model': 'tsdsr-auto', 'x-tsdsr-chosen-model': chosen, 'x-tsdsr-degradation': degradation });
    const score = Number(auto.headers['x-tsdsr-degradation-score']);
    const { degradedFrom } = JSON.parse(await readFile(join(ZOO_DIR, 'auto', 'model.json'), 'utf8')) as { degradedFrom: number };
    expect(degradation === 'degraded' ? score >= degradedFrom : score < degradedFrom).toBe(true); // the verdict is the score against the model's own threshold
    const direct = await upscale(chosen, bytes);
    expect(direct.headers['x-tsdsr-chosen-model']).toBeUndefined();
    expect((await pixels(auto.png)).equals(await pixels(direct.png))).toBe(true);
  });

  it('reports its choice in the WebSocket result', async () => {
    const client = await TestClient.paired(bridge.wsUrl, bridge.token);
    try {
      client.upscale('noisy', await png(NOISY), { model: 'tsdsr-auto', scale: 2 });
      client.upscale('plain', await png(NOISY), { model: 'tsdsr-real', scale: 2 });
      const results = client.frames; // read below, after both outcomes arrived
      const outcomes = await client.outcomes(2);
      expect(outcomes.map((o) => o.ok)).toEqual([true, true]);
      const messages = results.flatMap((f) => (f.kind === 'json' && f.message.type === 'result' ? [f.message] : []));
      expect(messages.find((m) => m.id === 'noisy')).toMatchObject({ model: 'tsdsr-auto', choice: { model: 'tsdsr-real', degradation: 'degraded', score: expect.any(Number) } });
      expect(messages.find((m) => m.id === 'plain')).not.toHaveProperty('choice');
    } finally {
      client.socket.close();
    }
  });
});

describe('an auto model whose models are not installed', () => {
  it('is skipped, and a request for it says which model is missing', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tsdsr-auto-'));
    try {
      await cp(join(ZOO_DIR, 'auto'), join(root, 'auto'), { recursive: true });
      await cp(join(ZOO_DIR, 'tsdsr-fast'), join(root, 'tsdsr-fast'), { recursive: true });
      const log: string[] = [];
      const registry = await ModelRegistry.scan([root], nodeRuntime, (m) => log.push(m));
      expect(registry.list().map((e) => e.manifest.id)).toEqual(['tsdsr-fast']);
      expect(log).toEqual([
        `skipping model ${join(root, 'auto')}: it chooses between tsdsr-fast, tsdsr-real and tsdsr-real-graphics, but tsdsr-real and tsdsr-real-graphics are not installed`,
        'default model tsdsr-auto is not installed; using tsdsr-fast when no model is named',
      ]);
      expect(registry.defaultModel).toBe('tsdsr-fast');
      expect(() => registry.get('tsdsr-auto')).toThrow(/tsdsr-real and tsdsr-real-graphics are not installed/);
      await cp(join(ZOO_DIR, 'tsdsr-real'), join(root, 'tsdsr-real'), { recursive: true });
      await registry.refresh(0);
      expect(() => registry.get('tsdsr-auto')).toThrow(/but tsdsr-real-graphics is not installed/);
      await cp(join(ZOO_DIR, 'tsdsr-real-graphics'), join(root, 'tsdsr-real-graphics'), { recursive: true });
      await registry.refresh(0);
      expect(registry.list().map((e) => e.manifest.id)).toEqual(['tsdsr-auto', 'tsdsr-fast', 'tsdsr-real', 'tsdsr-real-graphics']);
      expect(registry.defaultModel).toBe('tsdsr-auto'); // the default again, once it can run
      expect(registry.skipped()).toEqual([]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('is listed as soon as the missing model is registered (a model just trained)', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tsdsr-auto-'));
    try {
      await cp(join(ZOO_DIR, 'auto'), join(root, 'auto'), { recursive: true });
      await cp(join(ZOO_DIR, 'tsdsr-fast'), join(root, 'tsdsr-fast'), { recursive: true });
      await cp(join(ZOO_DIR, 'tsdsr-real-graphics'), join(root, 'tsdsr-real-graphics'), { recursive: true });
      const log: string[] = [];
      const registry = await ModelRegistry.scan([root], nodeRuntime, (m) => log.push(m));
      await registry.register(join(ZOO_DIR, 'tsdsr-real'));
      expect(registry.list().map((e) => e.manifest.id)).toEqual(['tsdsr-auto', 'tsdsr-fast', 'tsdsr-real', 'tsdsr-real-graphics']);
      expect(registry.skipped()).toEqual([]);
      expect(log).toHaveLength(2); // the skip and the fallback to tsdsr-fast, at the scan
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
