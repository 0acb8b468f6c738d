// Main thread, following the selection: the latest selection wins over a slower earlier one, and a run upscales exactly
// the layers the UI listed.
import { describe, expect, it } from 'vitest';
import { solid } from '../helpers/figma-host.ts';
import { solidPng, startTestPlugin, type PluginUnderTest } from './scene.ts';

const OPTIONS = { scale: 2, placement: 'in-place' } as const;

/** A layer filled with an image whose reads take `delayMs`, and a plain one. */
async function slowAndFast(p: PluginUnderTest, delayMs: number) {
  const hash = p.host.addImage(await solidPng(40, 30));
  p.host.imageReadDelayMs.set(hash, delayMs);
  const slow = p.host.add('RECTANGLE', { name: 'Slow photo', width: 40, height: 30, fills: [{ type: 'IMAGE', scaleMode: 'FILL', imageHash: hash }] });
  const fast = p.host.add('RECTANGLE', { name: 'Badge', x: 100, width: 20, height: 20, fills: [solid(255, 0, 0)] });
  return { slow, fast };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Selects a layer whose image reads take 200 ms, then another 60 ms later, and waits for both summaries to settle. */
async function selectSlowThenFast(p: PluginUnderTest) {
  const layers = await slowAndFast(p, 200);
  p.host.select(layers.slow);
  await sleep(60);
  p.host.select(layers.fast);
  await sleep(400);
  return layers;
}

describe('selection summaries', () => {
  it('sends only the latest selection when an earlier one is still reading a slow image', async () => {
    const p = startTestPlugin();
    await selectSlowThenFast(p);
    const summaries = p.all('selection');
    expect(summaries.at(-1)?.selection.layers.map((l) => l.name)).toEqual(['Badge']);
    expect(summaries.flatMap((m) => m.selection.layers.map((l) => l.name))).not.toContain('Slow photo');
    const seqs = summaries.map((m) => m.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('numbers summaries in order, the first one in init', async () => {
    const p = startTestPlugin();
    const { fast } = await slowAndFast(p, 0);
    p.host.sendToMain({ type: 'ui-ready' });
    const init = await p.next('init');
    p.host.select(fast);
    const next = await p.next('selection');
    expect(next.seq).toBeGreaterThan(init.seq);
  });
});

describe('starting a run', () => {
  it('upscales the layers the UI listed: the second of two quick selections', async () => {
    const p = startTestPlugin();
    const { fast } = await selectSlowThenFast(p);
    const listed = p.all('selection').at(-1)!;
    p.host.sendToMain({ type: 'start-run', runId: 'r1', options: OPTIONS, layerIds: listed.selection.layers.map((l) => l.id) });
    const started = await p.next('run-started', 'run-refused');
    expect(started).toMatchObject({ type: 'run-started', layers: [{ id: fast.id, name: 'Badge' }] });
    expect(started.type === 'run-started' && started.layers).toEqual(listed.selection.layers);
  });

  it('refuses a run whose listed layers are no longer the selection, and sends the new selection', async () => {
    const p = startTestPlugin();
    const { slow, fast } = await slowAndFast(p, 0);
    p.host.select(fast);
    const listed = await p.next('selection');
    p.host.page.selection = [slow]; // changed in Figma; its summary has not reached the UI yet
    p.host.sendToMain({ type: 'start-run', runId: 'r2', options: OPTIONS, layerIds: listed.selection.layers.map((l) => l.id) });
    const refresh = await p.next('selection');
    expect(refresh.seq).toBeGreaterThan(listed.seq);
    expect(refresh.selection.layers.map((l) => l.name)).toEqual(['Slow photo']);
    const refused = await p.next('run-refused', 'run-started');
    expect(refused).toMatchObject({ type: 'run-refused', runId: 'r2', reason: expect.stringMatching(/selection changed/i) });
    expect(p.all('layer-source')).toEqual([]);
    expect(p.host.undoCommits()).toBe(0);
  });
});
