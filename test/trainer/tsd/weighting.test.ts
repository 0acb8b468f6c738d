// Timestep sampling and the reg model's loss weights: ranges, hand-computed values, and the logit-normal density's moments.
import { describe, expect, it } from 'vitest';
import {
  batchRegLossWeight, randomInt, regLossWeight, sampleDensity, sampleTimestepIndex, sampleTimestepIndexByDensity, standardNormal,
} from '../../../trainer/src/tsd/index.ts';
import { scriptedUniform } from './run-graph.ts';

/** A seeded uniform source (mulberry32) for moment checks. */
function mulberry(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('timestep sampling', () => {
  it('draws indices uniformly in [50, 950)', () => {
    expect(sampleTimestepIndex(scriptedUniform([0]))).toBe(50);
    expect(sampleTimestepIndex(scriptedUniform([0.9999999]))).toBe(949);
    expect(randomInt(scriptedUniform([0.5]), -25, 25)).toBe(0);
    expect(() => randomInt(Math.random, 3, 3)).toThrow(/empty/);
  });

  it('logit-normal density: u = sigmoid(N(0, 1)) has mean 1/2 and sd ≈ 0.208; index = floor(u · 1000)', () => {
    const uniform = mulberry(7);
    const us = Array.from({ length: 20000 }, () => sampleDensity(uniform));
    const mean = us.reduce((a, b) => a + b, 0) / us.length;
    const sd = Math.sqrt(us.reduce((a, b) => a + (b - mean) ** 2, 0) / us.length);
    expect(mean).toBeCloseTo(0.5, 2);
    expect(sd).toBeCloseTo(0.2083, 2); // the logit-normal(0, 1) standard deviation
    const index = sampleTimestepIndexByDensity(scriptedUniform([0.5, 0.25]), 1000); // N(0,1) draw = sqrt(-2 ln 0.5) cos(π/2) = 0
    expect(index).toBe(500);
  });

  it('standard normal draws have mean 0 and variance 1', () => {
    const uniform = mulberry(11);
    const xs = Array.from({ length: 20000 }, () => standardNormal(uniform));
    expect(xs.reduce((a, b) => a + b, 0) / xs.length).toBeCloseTo(0, 1);
    expect(xs.reduce((a, b) => a + b * b, 0) / xs.length).toBeCloseTo(1, 1);
  });
});

describe('reg loss weights', () => {
  it('sigma_sqrt is sigma^-2, mode follows the SD3 mode density, logit_normal is a fresh sigmoid(N(0, 1)) draw', () => {
    expect(regLossWeight(Math.random, 0.5, { scheme: 'sigma_sqrt' })).toBe(4);
    const u = 0.3;
    const mode = 1 - u - 1.29 * (Math.cos((Math.PI * u) / 2) ** 2 - 1 + u);
    expect(regLossWeight(scriptedUniform([u]), 0.5, { scheme: 'mode' })).toBeCloseTo(mode, 12);
    // Box–Muller from (1 − 0.5, 0.0): sqrt(2 ln 2) = 1.1774 → sigmoid = 0.76450
    expect(regLossWeight(scriptedUniform([0.5, 0]), 0.9)).toBeCloseTo(1 / (1 + Math.exp(-Math.sqrt(2 * Math.log(2)))), 12);
  });

  it('averages per-sample weights over the batch', () => {
    expect(batchRegLossWeight(Math.random, [0.5, 0.25], { scheme: 'sigma_sqrt' })).toBe(10);
    expect(() => batchRegLossWeight(Math.random, [])).toThrow(/empty/);
  });
});
