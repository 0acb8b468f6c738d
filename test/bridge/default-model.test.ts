// The default model: tsdsr-auto when installed (listed first, used when a request names none), else tsdsr-fast, else
// bicubic, with one log line.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../bridge-server/src/app.ts';
import { ZOO_DIR } from '../../bridge-server/src/paths.ts';
import { DEFAULT_MODEL, FALLBACK_MODELS } from '../../bridge-server/src/protocol/index.ts';
import { ModelRegistry } from '../../bridge-server/src/registry.ts';
import { nodeRuntime } from '../../bridge-server/src/runtime.ts';
import { DEFAULT_SETTINGS } from '../../plugin/src/settings.ts';
import { makePng, pngInfo, tempConfigDir } from './helpers.ts';

const token = 'default-model-token-0123456789abcdefghijklmno';
const auth = { authorization: `Bearer ${token}` };
/** The shipped baselines without the TSD-SR models, as a user who deleted them would have them. */
const WITHOUT_DEFAULT = [join(ZOO_DIR, 'nearest'), join(ZOO_DIR, 'bicubic')];
/** The zoo without the chooser (and tsdsr-real and tsdsr-real-graphics, which it needs). */
const WITHOUT_AUTO = ['nearest', 'bicubic', 'tsdsr-fast', 'tsdsr-fast-real'].map((id) => join(ZOO_DIR, id));

let cleanup: () => Promise<void>;
beforeAll(async () => void ({ cleanup } = await tempConfigDir()));
afterAll(() => cleanup());

function listedIds(registry: ModelRegistry): string[] {
  return registry.list().map((entry) => entry.manifest.id);
}

describe('the default model', () => {
  it('is tsdsr-auto for the bridge, the CLI and the plugin, then tsdsr-fast, then bicubic', () => {
    expect([DEFAULT_MODEL, ...FALLBACK_MODELS]).toEqual(['tsdsr-auto', 'tsdsr-fast', 'bicubic']);
    expect(DEFAULT_SETTINGS.model).toBe(DEFAULT_MODEL);
  });

  it('is listed first, the others after it by id', async () => {
    const log: string[] = [];
    const registry = await ModelRegistry.scan([ZOO_DIR], nodeRuntime, (m) => log.push(m));
    expect(registry.defaultModel).toBe('tsdsr-auto');
    expect(listedIds(registry).slice(0, 3)).toEqual(['tsdsr-auto', 'bicubic', 'nearest']);
    expect(registry.get('tsdsr-auto').manifest).toMatchObject({ kind: 'auto', choose: { clean: 'tsdsr-fast', degraded: 'tsdsr-real', degradedGraphic: 'tsdsr-real-graphics' } });
    expect(log).toEqual([]);
  });

  it('has tsdsr-fast-real beside it, a different student for noisy or compressed images, that upscales by name', async () => {
    const registry = await ModelRegistry.scan([ZOO_DIR], nodeRuntime);
    expect(listedIds(registry)).toEqual(['tsdsr-auto', 'bicubic', 'nearest', 'tsdsr-fast', 'tsdsr-fast-real', 'tsdsr-real', 'tsdsr-real-graphics']);
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

  it('falls back to tsdsr-fast, saying so once, when tsdsr-auto is not installed', async () => {
    const log: string[] = [];
    const registry = await ModelRegistry.scan(WITHOUT_AUTO, nodeRuntime, (m) => log.push(m));
    expect(registry.defaultModel).toBe('tsdsr-fast');
    expect(listedIds(registry)).toEqual(['tsdsr-fast', 'bicubic', 'nearest', 'tsdsr-fast-real']);
    expect(log).toEqual(['default model tsdsr-auto is not installed; using tsdsr-fast when no model is named']);
  });

  it('falls back to bicubic, saying so once, when neither TSD-SR default is installed', async () => {
    const log: string[] = [];
    const registry = await ModelRegistry.scan(WITHOUT_DEFAULT, nodeRuntime, (m) => log.push(m));
    expect(registry.defaultModel).toBe('bicubic');
    expect(listedIds(registry)).toEqual(['bicubic', 'nearest']);
    expect(log).toEqual(['default model tsdsr-auto is not installed; using bicubic when no model is named']);
  });

  it('stays tsdsr-auto when none is installed, so a request naming none is refused as unknown_model', async () => {
    const registry = await ModelRegistry.scan([join(ZOO_DIR, 'nearest')], nodeRuntime);
    expect(registry.defaultModel).toBe(DEFAULT_MODEL);
    expect(() => registry.get(registry.defaultModel)).toThrow(/no model with id 'tsdsr-auto'/);
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

  it('runs tsdsr-auto at 4x, keeping alpha, and lists it first', async () => {
    const app = await buildApp({ token, device: 'cpu' });
    const { models } = (await app.inject({ url: '/v1/models', headers: auth })).json() as { models: { id: string }[] };
    await app.close();
    expect(models[0]).toMatchObject({ id: 'tsdsr-auto', scales: [2, 3, 4] });
    expect(await upscaleWithoutModel()).toEqual({ model: 'tsdsr-auto', png: { format: 'png', width: 48, height: 28, hasAlpha: true } });
  });

  it('runs tsdsr-fast when tsdsr-auto is not installed', async () => {
    expect(await upscaleWithoutModel(WITHOUT_AUTO)).toMatchObject({ model: 'tsdsr-fast', png: { width: 48, height: 28, hasAlpha: true } });
  });

  it('runs bicubic when neither TSD-SR default is installed', async () => {
    expect(await upscaleWithoutModel(WITHOUT_DEFAULT)).toMatchObject({ model: 'bicubic', png: { width: 48, height: 28, hasAlpha: true } });
  });
});
