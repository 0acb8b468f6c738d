/** A small seeded PRNG (mulberry32) with the draws the fuzz generators need, so every run replays the same cases. */

/** The seed fuzz tests use unless FUZZ_SEED names another (printed with each target's count to replay a failure). */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 0x7d5d_2024);

/** Deterministic random draws from one 32-bit seed. */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [min, max]. */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** n random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }

  /** A length biased towards small values (most bugs sit at the edges), up to max. */
  length(max: number): number {
    return this.chance(0.5) ? this.int(Math.min(max, 16) + 1) : this.int(max + 1);
  }
}
