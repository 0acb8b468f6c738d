// Main thread, when Figma throws: the layer's row gets plain words with a next step, never the Plugin API's raw text,
// which goes to the console instead.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DesignerFacingError } from '../../plugin/src/main/figma-errors.ts';
import { solid } from '../helpers/figma-host.ts';
import { runAll, startTestPlugin } from './scene.ts';

const OPTIONS = { scale: 2, placement: 'beside' } as const;

/** Errors the Plugin API throws, and what the designer reads instead. */
const PLACE_ERRORS: readonly [raw: string, words: RegExp][] = [
  ['Image is too large', /^Figma refused the result: it is over 4096 px a side\. Pick “Shrink to fit” or “Split in tiles”/],
  ['Image type is unsupported', /^Figma couldn’t open the upscaled image\. Try again, or pick another model\.$/],
  ['Cannot move node. New parent is an instance or is inside of an instance', /^This layer is inside a component instance.*Pick “Add beside”/],
  ['The node with id "12:34" does not exist', /^The layer was deleted or moved while it was being upscaled\. Select it again/],
  ['in set_fills: Cannot write to internal and read-only node', /^Figma doesn’t let plugins change this layer here.*Pick “Add beside”/],
  ['Cannot write to node with unloaded font "Inter Regular"', /^Figma needs this text layer’s font/],
  ['Out of memory', /^Figma ran out of memory\. Try a smaller scale, or fewer layers at a time\.$/],
  ['in appendChild: Something new and unexpected (code 7)', /^Figma couldn’t place the result\. Try again; if it keeps failing, the plugin’s console/],
];

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Figma errors in plain words', () => {
  it.each(PLACE_ERRORS)('placing, "%s" reads as plain words and goes to the console', async (raw, words) => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const p = startTestPlugin();
    p.host.select(p.host.add('RECTANGLE', { name: 'Card', width: 20, height: 10, fills: [solid(0, 0, 0)] }));
    p.host.figma.createImage = () => {
      throw new Error(raw);
    };
    const { outcomes, finished } = await runAll(p, OPTIONS);
    expect(outcomes).toEqual([expect.objectContaining({ type: 'layer-failed', reason: expect.stringMatching(words) })]);
    expect(JSON.stringify(outcomes)).not.toContain(raw);
    expect(finished.placed).toBe(0);
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('"Card"'), expect.objectContaining({ message: raw }));
  });

  it('says so in plain words when Figma cannot export a layer, and goes on with the others', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const p = startTestPlugin();
    const broken = p.host.add('FRAME', { name: 'Broken', width: 20, height: 10, fills: [solid(0, 0, 0)] });
    const fine = p.host.add('FRAME', { name: 'Fine', y: 40, width: 20, height: 10, fills: [solid(0, 0, 0)] });
    broken.exportAsync = async () => {
      throw new Error('in exportAsync: Failed to rasterize node (internal error 0x51)');
    };
    p.host.select(broken, fine);
    const { outcomes } = await runAll(p, OPTIONS);
    expect(outcomes.map((o) => o.type)).toEqual(['layer-failed', 'layer-placed']);
    expect(outcomes[0]).toMatchObject({ reason: expect.stringMatching(/^Figma couldn’t read this layer’s pixels\. Try again/) });
    expect(JSON.stringify(outcomes[0])).not.toMatch(/rasterize|0x51/);
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('"Broken"'), expect.objectContaining({ message: expect.stringContaining('0x51') }));
  });

  it('shows an error written for the designer as it is', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const p = startTestPlugin();
    p.host.select(p.host.add('RECTANGLE', { name: 'Card', width: 20, height: 10, fills: [solid(0, 0, 0)] }));
    p.host.figma.createImage = () => {
      throw new DesignerFacingError('Inside a component: the result goes beside the instance.');
    };
    const { outcomes } = await runAll(p, OPTIONS);
    expect(outcomes[0]).toMatchObject({ reason: 'Inside a component: the result goes beside the instance.' });
  });

  it('keeps errors thrown from another realm (not instanceof Error) out of the row too', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const p = startTestPlugin();
    p.host.select(p.host.add('RECTANGLE', { name: 'Card', width: 20, height: 10, fills: [solid(0, 0, 0)] }));
    p.host.figma.createImage = () => {
      throw { message: 'in createImage: weird host failure' };
    };
    const { outcomes } = await runAll(p, OPTIONS);
    expect(outcomes[0]).toMatchObject({ reason: expect.stringMatching(/^Figma couldn’t place the result\./) });
  });

  it('keeps Figma\'s raw text out of the notification when answering the plugin window fails', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const p = startTestPlugin();
    p.host.figma.clientStorage.setAsync = async () => {
      throw new Error('in setAsync: Storage quota exceeded (1048576 bytes)');
    };
    p.host.sendToMain({ type: 'save-token', token: 'abc' });
    await expect.poll(() => p.host.notifications.length).toBe(1);
    expect(p.host.notifications[0]).toEqual({ message: expect.stringMatching(/^tsdsr: Something went wrong\. Try again; if it keeps failing, the plugin’s console/), options: { error: true } });
    expect(p.host.notifications[0]!.message).not.toMatch(/setAsync|quota/i);
    expect(logged).toHaveBeenCalledWith(expect.any(String), expect.objectContaining({ message: expect.stringContaining('quota') }));
  });
});
