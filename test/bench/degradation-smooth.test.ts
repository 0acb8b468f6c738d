// The degradation estimate on smooth clean images (bench/degradation-estimate.ts's `smooth` subset): tsdsr-real costs
// such images about 7 dB against tsdsr-fast (docs/models.md), so the shipped default must keep every one of them on
// its clean model, and a refit that would not is caught here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { smoothCleanImages } from '../../bench/degradation-estimate.ts';
import { makeLr } from '../../bench/quality.ts';
import { estimateDegradation } from '../../models/runtime/index.ts';

const auto = JSON.parse(readFileSync(new URL('../../models/zoo/auto/model.json', import.meta.url), 'utf8')) as { degradedFrom: number };

describe('degradation estimate on smooth clean images', () => {
  it('calls every one of them (textures and gradients, 160 to 1024 px, their ×4 LR) clean at tsdsr-auto\'s threshold', async () => {
    const images = smoothCleanImages();
    expect(images.length).toBe(30);
    expect(new Set(images.map((i) => i.hr.width))).toEqual(new Set([160, 256, 512, 1024]));
    expect(images.some((i) => i.file.startsWith('radial'))).toBe(true);
    const scores: Record<string, number> = {};
    for (const { file, hr } of images) {
      const estimate = estimateDegradation(await makeLr(hr, 'bicubic', 0), auto.degradedFrom);
      expect(estimate.pixels, file).toBeGreaterThan(1024);
      scores[file] = estimate.score;
    }
    const degraded = Object.entries(scores).filter(([, score]) => score >= auto.degradedFrom);
    expect(degraded).toEqual([]);
  }, 60_000);
});
