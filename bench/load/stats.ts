/** Small statistics for the load bench: nearest-rank percentiles and waiting with a deadline. */

/** The p-th percentile (nearest rank, 0 < p ≤ 100) in whole milliseconds; undefined for no values. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!);
}

/** Why a wait ended. */
export type WaitEnd = 'done' | 'stalled' | 'time limit';

/**
 * Polls `done` every 20 ms until it holds, until `lastActivity()` is more than `stallMs` ago, or until the deadline
 * (performance.now() milliseconds).
 */
export async function waitFor(done: () => boolean, lastActivity: () => number, stallMs: number, deadline: number): Promise<WaitEnd> {
  for (;;) {
    if (done()) return 'done';
    const now = performance.now();
    if (now >= deadline) return 'time limit';
    if (now - lastActivity() > stallMs) return 'stalled';
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
