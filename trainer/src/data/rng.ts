/** Seeded deterministic random numbers: xoshiro128** with a JSON-serialisable state. */

/** The generator's full state: four unsigned 32-bit words (never all zero). */
export interface RngState {
  readonly kind: 'xoshiro128**';
  readonly s: readonly [number, number, number, number];
}

/** splitmix32 step: a well-mixed 32-bit output from a 32-bit counter (used for seeding and hashing). */
function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Hash a list of non-negative integers (each < 2^53) into one 32-bit word; order matters. */
export function hashSeed(...parts: readonly number[]): number {
  let h = 0x6a09e667;
  for (const part of parts) {
    if (!Number.isSafeInteger(part) || part < 0) throw new Error(`seed parts must be non-negative integers, got ${part}`);
    const lo = part >>> 0;
    const hi = Math.floor(part / 2 ** 32) >>> 0;
    h = splitmix32(h ^ lo);
    h = splitmix32(h ^ hi ^ 0x5bd1e995);
  }
  return h;
}

/** A small fast PRNG (xoshiro128**), seeded from integers, whose state can be saved and restored bit-identically. */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** Seed from one or more non-negative integers, e.g. `new Rng(seed, epoch, index)`. */
  constructor(...seedParts: readonly number[]) {
    let x = hashSeed(...seedParts);
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      x = splitmix32(x);
      words.push(x);
    }
    [this.s0, this.s1, this.s2, this.s3] = words as [number, number, number, number];
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Rebuild a generator from a saved state. */
  static fromState(state: RngState): Rng {
    const rng = new Rng(0);
    rng.setState(state);
    return rng;
  }

  /** The current state as plain JSON-able data. */
  getState(): RngState {
    return { kind: 'xoshiro128**', s: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0] };
  }

  /** Restore a state produced by getState (possibly after a JSON round trip). */
  setState(state: RngState): void {
    if (state.kind !== 'xoshiro128**' || state.s.length !== 4) throw new Error('not an xoshiro128** state');
    const s = state.s.map((v) => {
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`bad RNG state word ${v}`);
      return v >>> 0;
    });
    [this.s0, this.s1, this.s2, this.s3] = s as [number, number, number, number];
  }

  /** Next unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform double in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [lo, hi] inclusive (unbiased, by rejection). */
  int(lo: number, hi: number): number {
    const span = hi - lo + 1;
    if (!Number.isInteger(span) || span <= 0 || span > 2 ** 32) throw new Error(`bad integer range [${lo}, ${hi}]`);
    const limit = 2 ** 32 - (2 ** 32 % span);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return lo + (x % span);
    }
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(0, items.length - 1)] as T;
  }

  /** One element with the given (unnormalised, non-negative) weights. */
  pickWeighted<T>(items: readonly T[], weights: readonly number[]): T {
    if (items.length === 0 || items.length !== weights.length) throw new Error('items and weights must match and be non-empty');
    const total = weights.reduce((a, b) => a + b, 0);
    let u = this.next() * total;
    for (let i = 0; i < items.length; i++) {
      u -= weights[i] as number;
      if (u < 0) return items[i] as T;
    }
    return items[items.length - 1] as T;
  }

  /** Standard normal deviate (Box–Muller; consumes two uniforms, uses one). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Fisher–Yates permutation of 0..n-1. */
  permutation(n: number): number[] {
    const out = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(0, i);
      [out[i], out[j]] = [out[j] as number, out[i] as number];
    }
    return out;
  }
}

/** 32-bit left rotation. */
function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
