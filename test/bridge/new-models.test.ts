// A running bridge picks up a model folder that appears in its models root after start (no restart).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makePng, pngInfo, startBridge, tempConfigDir, type RunningBridge } from './helpers.ts';

let bridge: RunningBridge;
let root = '';
let cleanup: () => Promise<void>;

/** Copy the shipped nearest-neighbour model into the root under a new id, as a finished training run would. */
async function addModel(id: string): Promise<void> {
  const dir = join(root, id);
  await cp(join(import.meta.dirname, '../../models/zoo/nearest'), dir, { recursive: true });
  const manifest = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as { id: string; name: string };
  await writeFile(join(dir, 'model.json'), JSON.stringify({ ...manifest, id, name: `Fresh ${id}` }));
}

beforeAll(async () => {
  ({ cleanup } = await tempConfigDir());
  root = await mkdtemp(join(tmpdir(), 'tsdsr-new-models-'));
  bridge = await startBridge({ modelRoots: [root] });
});
afterAll(async () => {
  await bridge.app.close();
  await rm(root, { recursive: true, force: true });
  await cleanup();
});

const auth = () => ({ authorization: `Bearer ${bridge.token}` });

describe('a model added to the models root while the bridge runs', () => {
  it('upscales when named and appears in GET /v1/models', async () => {
    await addModel('fresh-style');
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the rescan rate limit of the start-up scan
    const res = await fetch(`${bridge.httpUrl}/v1/upscale?model=fresh-style&scale=2`, {
      method: 'POST', headers: { ...auth(), 'content-type': 'image/png' }, body: new Uint8Array(await makePng(6, 5)),
    });
    expect(res.status).toBe(200);
    expect(await pngInfo(new Uint8Array(await res.arrayBuffer()))).toMatchObject({ width: 12, height: 10 });

    await addModel('second-style');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const { models } = (await (await fetch(`${bridge.httpUrl}/v1/models`, { headers: auth() })).json()) as { models: { id: string }[] };
    expect(models.map((m) => m.id).sort()).toEqual(['fresh-style', 'second-style']);
  });

  it('still answers unknown_model for an id that is nowhere', async () => {
    const res = await fetch(`${bridge.httpUrl}/v1/upscale?model=nowhere&scale=2`, {
      method: 'POST', headers: { ...auth(), 'content-type': 'image/png' }, body: new Uint8Array(await makePng(6, 5)),
    });
    expect((await res.json()) as { error: { code: string } }).toMatchObject({ error: { code: 'unknown_model' } });
  });
});
