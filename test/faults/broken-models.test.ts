// Broken model directories (a truncated model.json, a missing or half-written ONNX file, the temporary or previous
// folder an interrupted export left) are skipped with a logged reason or refused when opened, and a request naming
// one is answered `unknown_model` or `internal` with a message naming the directory and why; the bridge serves on.
import { cp, mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../bridge-server/src/app.ts';
import { ModelRegistry } from '../../bridge-server/src/registry.ts';
import { nodeRuntime } from '../../bridge-server/src/runtime.ts';
import { makePng, startBridge, tempConfigDir, type RunningBridge } from '../bridge/helpers.ts';
import { TestClient } from '../bridge/ws-client.ts';

const NEAREST = fileURLToPath(new URL('../../models/zoo/nearest', import.meta.url));
const token = 'faults-test-token-0123456789abcdefghijklmnop';
const auth = { authorization: `Bearer ${token}` };

let root: string;
let cleanup: () => Promise<void>;

/** A copy of the nearest-neighbour model under `name` with its id set to `id`. */
async function copyModel(name: string, id: string): Promise<string> {
  const dir = join(root, name);
  await cp(NEAREST, dir, { recursive: true });
  const manifest = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(join(dir, 'model.json'), JSON.stringify({ ...manifest, id }, null, 2));
  return dir;
}

beforeAll(async () => {
  ({ cleanup } = await tempConfigDir());
  root = await mkdtemp(join(tmpdir(), 'tsdsr-broken-models-'));
  await copyModel('good', 'good');
  const truncatedJson = await copyModel('truncated-json', 'truncated-json');
  const text = await readFile(join(truncatedJson, 'model.json'), 'utf8');
  await writeFile(join(truncatedJson, 'model.json'), text.slice(0, text.length >> 1));
  await rm(join(await copyModel('missing-onnx', 'missing-onnx'), 'x4.onnx'));
  const halfOnnx = await copyModel('half-onnx', 'half-onnx');
  for (const file of ['x2.onnx', 'x3.onnx', 'x4.onnx']) await truncate(join(halfOnnx, file), (await readFile(join(halfOnnx, file))).length >> 1);
  await copyModel('.half-export.4194304.0123abcd.partial', 'half-export');
  await copyModel('.replaced.previous', 'replaced');
  await mkdir(join(root, 'not-a-model'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await cleanup();
});

describe('ModelRegistry.scan of broken model directories', () => {
  it('lists the good ones and logs each skipped directory with its reason', async () => {
    const log: string[] = [];
    const registry = await ModelRegistry.scan([root], nodeRuntime, (m) => log.push(m));
    expect(registry.list().map((e) => e.manifest.id).sort()).toEqual(['good', 'half-onnx']); // a half ONNX file is found when opened
    const skipped = Object.fromEntries(registry.skipped().map((s) => [s.dir.slice(root.length + 1), s.reason]));
    expect(skipped).toEqual({
      'truncated-json': expect.stringContaining(join(root, 'truncated-json', 'model.json')),
      'missing-onnx': 'its graph file x4.onnx is missing',
      '.half-export.4194304.0123abcd.partial': expect.stringContaining('temporary folder of an unfinished model write'),
      '.replaced.previous': expect.stringContaining('previous version kept by a model write that stopped'),
    });
    for (const [name, reason] of Object.entries(skipped)) expect(log).toContain(`skipping model ${join(root, name)}: ${reason}`);
    await registry.dispose();
  });
});

describe('the bridge with broken model directories', () => {
  let app: Awaited<ReturnType<typeof buildApp>>;
  let png: Buffer;
  beforeAll(async () => {
    app = await buildApp({ token, device: 'cpu', modelRoots: [root] });
    png = await makePng(6, 5);
  });
  afterAll(() => app.close());

  const upscale = (model: string) => app.inject({ method: 'POST', url: `/v1/upscale?model=${model}&scale=2`, headers: { ...auth, 'content-type': 'image/png' }, payload: png });

  it('lists only the models that loaded', async () => {
    const { models } = (await app.inject({ url: '/v1/models', headers: auth })).json() as { models: { id: string }[] };
    expect(models.map((m) => m.id).sort()).toEqual(['good', 'half-onnx']);
  });

  it.each([
    ['truncated-json', 'truncated-json', /model\.json: .*JSON/],
    ['missing-onnx', 'missing-onnx', /its graph file x4\.onnx is missing/],
    ['half-export', '.half-export.4194304.0123abcd.partial', /temporary folder of an unfinished model write/],
    ['replaced', '.replaced.previous', /previous version kept by a model write/],
  ])('refuses %s with unknown_model naming the skipped directory and why', async (id, dir, reason) => {
    const res = await upscale(id);
    expect(res.statusCode).toBe(404);
    const { error } = res.json() as { error: { code: string; message: string } };
    expect(error.code).toBe('unknown_model');
    expect(error.message).toContain(`no model with id '${id}' (available: good, half-onnx); a model directory at ${join(root, dir)} was skipped: `);
    expect(error.message).toMatch(reason);
  });

  it('answers a half-written ONNX file with internal naming the directory, every time, and serves the good model on', async () => {
    for (let attempt = 0; attempt < 2; attempt++) { // a failed open is not cached: the second request tries again
      const res = await upscale('half-onnx');
      expect(res.statusCode).toBe(500);
      const { error } = res.json() as { error: { code: string; message: string } };
      expect(error.code).toBe('internal');
      expect(error.message).toContain(`model half-onnx could not be opened: ${join(root, 'half-onnx')}: `);
    }
    const ok = await upscale('good');
    expect(ok.statusCode).toBe(200);
  });
});

describe('the same over a WebSocket', () => {
  let bridge: RunningBridge;
  beforeAll(async () => void (bridge = await startBridge({ modelRoots: [root] })));
  afterAll(() => bridge.app.close());

  it('ends jobs on broken models with unknown_model or internal and a message naming the directory', async () => {
    const client = await TestClient.paired(bridge.wsUrl, bridge.token);
    const png = await makePng(6, 5);
    client.upscale('json', png, { model: 'truncated-json', scale: 2 });
    client.upscale('onnx', png, { model: 'half-onnx', scale: 2 });
    client.upscale('good', png, { model: 'good', scale: 2 });
    const outcomes = await client.outcomes(3);
    expect(Object.fromEntries(outcomes.map((o) => [o.id, o.ok ? 'ok' : o.code]))).toEqual({ json: 'unknown_model', onnx: 'internal', good: 'ok' });
    const errors = client.frames.flatMap((f) => (f.kind === 'json' && f.message.type === 'error' ? [f.message] : []));
    expect(errors.find((e) => e.id === 'json')?.message).toContain(`a model directory at ${join(root, 'truncated-json')} was skipped`);
    expect(errors.find((e) => e.id === 'onnx')?.message).toContain(join(root, 'half-onnx'));
    client.close();
  });
});
