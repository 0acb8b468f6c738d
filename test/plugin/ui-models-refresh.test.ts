// The built plugin's model picker lists a model that appeared in the bridge's models folder after the plugin connected
// (a style just trained): opening the picker fetches GET /v1/models again, without reconnecting.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridge, tempConfigDir, type RunningBridge } from '../bridge/helpers.ts';
import { browserSkipReason } from '../helpers/browser.ts';
import { openPlugin, startUiRig, type UiRig } from '../helpers/figma-ui.ts';
import { pairedHost, waitForText } from './e2e-scene.ts';

const skipReason = browserSkipReason();
let rig: UiRig;
let bridge: RunningBridge;
let root: string;
let cleanup: () => Promise<void>;

/** Copies the shipped nearest-neighbour model into the models root under a new id, as a finished training run would. */
async function addModel(id: string): Promise<void> {
  const dir = join(root, id);
  await cp(join(import.meta.dirname, '../../models/zoo/nearest'), dir, { recursive: true });
  const manifest = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as { id: string };
  await writeFile(join(dir, 'model.json'), JSON.stringify({ ...manifest, id, name: `Style ${id}` }));
}

beforeAll(async () => {
  if (skipReason) return;
  ({ cleanup } = await tempConfigDir());
  root = await mkdtemp(join(tmpdir(), 'tsdsr-ui-models-'));
  await addModel('first-style');
  rig = await startUiRig();
  bridge = await startBridge({ modelRoots: [root] });
});
afterAll(async () => {
  await bridge?.app.close();
  await rig?.close();
  if (root) await rm(root, { recursive: true, force: true });
  await cleanup?.();
});

describe.skipIf(skipReason !== undefined)(`the model picker${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('shows a model added while the plugin is connected once the picker is opened', async () => {
    const session = await openPlugin(rig, pairedHost(bridge.httpUrl, bridge.token, { model: 'first-style' }));
    await waitForText(session.ui.locator('.status-label'), /^Connected$/);
    const picker = session.ui.getByRole('combobox', { name: 'Model' });
    const names = () => picker.locator('option').allTextContents();
    expect(await names()).toEqual(['Style first-style']);

    await addModel('second-style');
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the bridge's rescan rate limit (once a second)
    await picker.focus();
    await expect.poll(names, { timeout: 5000 }).toEqual(['Style first-style', 'Style second-style']);
    expect(await picker.inputValue()).toBe('first-style');
    await session.close();
  });
});
