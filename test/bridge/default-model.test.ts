// The default model: tsdsr-fast when installed (listed first, used when a request names none), else bicubic with one log line.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../bridge-server/src/app.ts';
import { ZOO_DIR } from '../../bridge-server/src/paths.ts';
import { DEFAULT_MODEL, FALLBACK_MODEL } from '../../bridge-server/src/protocol/index.ts';
import { ModelRegistry } from '../../bridge-server/src/registry.ts';
import { nodeRuntime } from '../../bridge-server/src/runtime.ts';
import { DEFAULT_SETTINGS } from '../../plugin/src/settings.ts';
import { makePng, pngInfo, tempConfigDir } from './helpers.ts';

const token = 'default-model-token-0123456789abcdefghijklmno';
const auth = { authorization: `Bearer ${token}` };
/** The shipped baselines without tsdsr-fast, as a user who deleted it would have them. */
const WITHOUT_DEFAULT = [join(ZOO_DIR, 'nearest'), join(ZOO_DIR, 'bicubic')];

let cleanup: () => Promise<void>;
beforeAll(async () => void ({ cleanup } = await tempConfigDir()));
afterAll(() => cleanup());

function listedIds(registry: ModelRegistry): string[] {
  return registry.list().map((entry) => entry.manifest.id);
}

describe('the default model', () => {
  it('is tsdsr-fast for the bridge, the CLI and the plugin', () => {
    expect(DEFAULT_MODEL).toBe('tsdsr-fast');
    expect(DEFAULT_SETTINGS.model).toBe(DEFAULT_MODEL);
  });

  it('is listed first, the others after it by id', async () => {
    const log: string[] = [];
    const registry = await ModelRegistry.scan([ZOO_DIR], nodeRuntime, (m) => log.push(m));
    expect(registry.defaultModel).toBe('tsdsr-fast');
    expect(listedIds(registry).slice(0, 3)).toEqual(['tsdsr-fast', 'bicubic', 'nearest']);
    expect(registry.get('tsdsr-fast').manifest).toMatchObject({ kind: 'tsdsr', scales: [2, 3, 4] });
    expect(log).toEqual([]);
  });

  it('has tsdsr-fast-real beside it, a different student for noisy or compressed images, that upscales by name', async () => {
    const registry = await ModelRegistry.scan([ZOO_DIR], nodeRuntime);
    expect(listedIds(registry)).toEqual(['tsdsr-fast', 'bicubic', 'nearest', 'tsdsr-auto', 'tsdsr-fast-real', 'tsdsr-real']);
    const [fast, real] = [registry.get('tsdsr-fast'), registry.get('tsdsr-fast-real')];
    expect(real.manifest).toMatchObject({ kind: 'tsdsr', scales: [2, 3, 4], graphs: 'graphs' in fast.manifest ? fast.manifest.graphs : null, latent: { perTile: true } });
    const denoiser = (dir: string): Buffer => readFileSync(join(dir, 'denoiser.onnx'));
    expect(denoiser(real.dir).equals(denoiser(fast.dir))).toBe(false);
    const app = await buildApp({ token, device: 'cpu' });
    try {
      const res = await app.inject({ method: 'POST', url: '/v1/upscale?model=tsdsr-fast-real&scale=2', headers: { ...auth, 'content-type': 'image/png' }, payload: await makePng(12, 7) });
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-tsdsr-model']).toBe('tsdsr-fast-real');
      expect(await pngInfo(res.rawPayload)).toMatchObject({ width: 24, height: 14, hasAlpha: true });
    } finally {
      await app.close();
    }
  });

  it('falls back to bicubic, saying so once, when tsdsr-fast is not installed', async () => {
    const log: string[] = [];
    const registry = await ModelRegistry.scan(WITHOUT_DEFAULT, nodeRuntime, (m) => log.push(m));
    expect(registry.defaultModel).toBe(FALLBACK_MODEL);
    expect(listedIds(registry)).toEqual(['bicubic', 'nearest']);
    expect(log).toEqual(['default model tsdsr-fast is not installed; using bicubic when no model is named']);
  });

  it('stays tsdsr-fast when neither is installed, so a request naming none is refused as unknown_model', async () => {
    const registry = await ModelRegistry.scan([join(ZOO_DIR, 'nearest')], nodeRuntime);
    expect(registry.defaultModel).toBe(DEFAULT_MODEL);
    expect(() => registry.get(registry.defaultModel)).toThrow(/no model with id 'tsdsr-fast'/);
  });
});

describe('POST /v1/upscale without a model', () => {
  async function upscaleWithoutModel(modelRoots?: string[]): Promise<{ model: unknown; png: Awaited<ReturnType<typeof pngInfo>> }> {
    const app = await buildApp({ token, device: 'cpu', ...(modelRoots ? { modelRoots } : {}) });
    try {
      const res = await app.inject({ method: 'POST', url: '/v1/upscale', headers: { ...auth, 'content-type': 'image/png' }, payload: await makePng(12, 7) });
      expect(res.statusCode).toBe(200);
      return { model: res.headers['x-tsdsr-model'], png: await pngInfo(res.rawPayload) };
    } finally {
      await app.close();
    }
  }

  it('runs tsdsr-fast at 4x, keeping alpha, and lists it first', async () => {
    const app = await buildApp({ token, device: 'cpu' });
    const { models } = (await app.inject({ url: '/v1/models', headers: auth })).json() as { models: { id: string }[] };
    await app.close();
    expect(models[0]).toMatchObject({ id: 'tsdsr-fast', scales: [2, 3, 4] });
    expect(await upscaleWithoutModel()).toEqual({ model: 'tsdsr-fast', png: { format: 'png', width: 48, height: 28, hasAlpha: true } });
  });

  it('runs bicubic when tsdsr-fast is not installed', async () => {
    expect(await upscaleWithoutModel(WITHOUT_DEFAULT)).toMatchObject({ model: 'bicubic', png: { width: 48, height: 28, hasAlpha: true } });
  });
});
