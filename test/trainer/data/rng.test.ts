import { describe, expect, it } from 'vitest';
import { Rng, hashSeed } from '../../../trainer/src/data/index.ts';

describe('Rng (xoshiro128**)', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = new Rng(42, 0, 7);
    const b = new Rng(42, 0, 7);
    const c = new Rng(42, 0, 8);
    const xs = Array.from({ length: 100 }, () => a.nextUint32());
    expect(Array.from({ length: 100 }, () => b.nextUint32())).toEqual(xs);
    expect(Array.from({ length: 100 }, () => c.nextUint32())).not.toEqual(xs);
  });

  it('saves and restores its state through JSON bit-identically', () => {
    const rng = new Rng(1234);
    for (let i = 0; i < 37; i++) rng.next();
    const saved = JSON.parse(JSON.stringify(rng.getState()));
    const expected = Array.from({ length: 50 }, () => rng.next());
    const restored = Rng.fromState(saved);
    expect(Array.from({ length: 50 }, () => restored.next())).toEqual(expected);
  });

  it('rejects malformed states', () => {
    expect(() => Rng.fromState({ kind: 'xoshiro128**', s: [1, 2, 3, -1] })).toThrow();
  });

  it('draws uniforms, integers and permutations in range', () => {
    const rng = new Rng(5);
    let sum = 0;
    for (let i = 0; i < 20000; i++) {
      const u = rng.next();
      expect(u >= 0 && u < 1).toBe(true);
      sum += u;
    }
    expect(sum / 20000).toBeCloseTo(0.5, 1);
    const ints = new Set(Array.from({ length: 1000 }, () => rng.int(7, 21)));
    expect([...ints].sort((x, y) => x - y)).toEqual(Array.from({ length: 15 }, (_, i) => 7 + i));
    expect(rng.permutation(10).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('picks by weight roughly in proportion', () => {
    const rng = new Rng(9);
    const counts = { up: 0, down: 0, keep: 0 };
    for (let i = 0; i < 20000; i++) counts[rng.pickWeighted(['up', 'down', 'keep'] as const, [0.2, 0.7, 0.1])]++;
    expect(counts.down / 20000).toBeCloseTo(0.7, 1);
    expect(counts.keep / 20000).toBeCloseTo(0.1, 1);
  });

  it('hashes seed parts order-sensitively', () => {
    expect(hashSeed(1, 2)).not.toBe(hashSeed(2, 1));
    expect(hashSeed(2 ** 40)).not.toBe(hashSeed(0));
  });
});
