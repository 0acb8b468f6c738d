// The built plugin's footer at Figma's 320 px window: the end-of-run summary is shown whole, failures included.
import { describe, expect, it } from 'vitest';
import { browserSkipReason } from '../helpers/browser.ts';
import { solid, type FakeNode } from '../helpers/figma-host.ts';
import { openPlugin } from '../helpers/figma-ui.ts';
import { pairedHost, rigAndBridge, waitForMessage, waitForText } from './e2e-scene.ts';

const skipReason = browserSkipReason();
const setup = rigAndBridge({ limits: { maxInputPixels: 50 * 50 } });

describe.skipIf(skipReason !== undefined)(`the built plugin's footer${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('shows "Done · 15 upscaled · 1 failed" whole at 320 px', async () => {
    const host = pairedHost(setup.bridge.httpUrl, setup.bridge.token, { model: 'bicubic', scale: 2 });
    const layers: FakeNode[] = [];
    for (let i = 0; i < 15; i++) layers.push(host.add('RECTANGLE', { name: `Icon ${i + 1}`, x: i * 30, width: 20, height: 20, fills: [solid(10 * i, 80, 200)] }));
    layers.push(host.add('FRAME', { name: 'Too large', y: 100, width: 100, height: 80, fills: [solid(255, 255, 255)] }));
    host.page.selection = layers;
    const session = await openPlugin(setup.rig, host);
    await waitForText(session.ui.locator('.status-label'), /^Connected$/);
    await session.ui.getByTestId('start').click();
    await waitForMessage(host, 'run-finished', 30_000);
    const summary = session.ui.getByTestId('summary');
    await waitForText(summary, /^Done · 15 upscaled · 1 failed$/);
    const fits = await summary.evaluate((e) => {
      const box = e.getBoundingClientRect();
      return { overflow: e.scrollWidth - e.clientWidth, right: box.right, bottom: box.bottom, width: innerWidth, height: innerHeight };
    });
    expect(fits.overflow).toBeLessThanOrEqual(0);
    expect(fits.right).toBeLessThanOrEqual(fits.width);
    expect(fits.bottom).toBeLessThanOrEqual(fits.height);
    expect(await session.ui.getByTestId('summary-failed').textContent()).toBe('1 failed');
    await session.screenshot('plugin-done-with-failure');
    await session.close();
  });
});
