// Rendered UI text for training (trainer/src/dataset/text-renders.ts): scenes are deterministic and readable, and a
// render draws them. Rendering needs a TrueType font: the build downloads Noto; the test uses DejaVu Sans where the
// machine has it (Debian's default font) and says it is skipped where not.
import { existsSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { isHeldOut, luma, MIN_CONTRAST, renderTextScene, TEXT_FONTS, textScene } from '../../../trainer/src/dataset/text-renders.ts';

const DEJAVU = '/usr/share/fonts/truetype/dejavu';
const hasDejavu = existsSync(`${DEJAVU}/DejaVuSans.ttf`) && existsSync(`${DEJAVU}/DejaVuSans-Bold.ttf`);

describe('text scenes', () => {
  it('are the same for the same index and seed, and differ across indices and seeds', () => {
    expect(textScene(3, 0)).toEqual(textScene(3, 0));
    expect(textScene(3, 0)).not.toEqual(textScene(4, 0));
    expect(textScene(3, 0)).not.toEqual(textScene(3, 1));
  });

  it('hold 3 to 7 lines of 36–112 px text inside the image, each contrasting with its background', () => {
    for (let i = 0; i < 60; i++) {
      const scene = textScene(i, 0);
      expect(scene.lines.length).toBeGreaterThanOrEqual(3);
      expect(scene.lines.length).toBeLessThanOrEqual(7);
      for (const line of scene.lines) {
        expect(line.sizePx).toBeGreaterThanOrEqual(36);
        expect(line.sizePx).toBeLessThanOrEqual(112);
        expect(line.font).toBeLessThan(TEXT_FONTS.length);
        expect(line.y + line.sizePx).toBeLessThanOrEqual(scene.height);
        expect(Math.abs(luma(line.colour) - luma(scene.top))).toBeGreaterThanOrEqual(MIN_CONTRAST);
        expect(Math.abs(luma(line.colour) - luma(scene.bottom))).toBeGreaterThanOrEqual(MIN_CONTRAST);
      }
    }
  });

  it('hold out every tenth image', () => {
    expect(Array.from({ length: 30 }, (_, i) => i).filter(isHeldOut)).toEqual([9, 19, 29]);
  });

  it.skipIf(!hasDejavu)('render to an opaque image of the scene\'s size with the text drawn in its colours', async () => {
    const scene = textScene(5, 0);
    const png = await renderTextScene(scene, DEJAVU, [{ file: 'DejaVuSans.ttf', family: 'DejaVu Sans' }, { file: 'DejaVuSans-Bold.ttf', family: 'DejaVu Sans Bold' }]);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([scene.width, scene.height, 3]);
    const background = luma(scene.top);
    let inked = 0;
    for (let p = 0; p < data.length; p += 3) if (Math.abs(luma([data[p]!, data[p + 1]!, data[p + 2]!]) - background) > MIN_CONTRAST / 2) inked++;
    const share = inked / (info.width * info.height);
    expect(share).toBeGreaterThan(0.02); // the letters are there
    expect(share).toBeLessThan(0.5); // and the background too
    expect(await renderTextScene(scene, DEJAVU, [{ file: 'DejaVuSans.ttf', family: 'DejaVu Sans' }])).not.toEqual(png);
  });
});
