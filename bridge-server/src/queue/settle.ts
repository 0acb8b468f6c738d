/** Waiting for running work at shutdown, with a limit. */

/** Resolves `done` once every promise has settled, or `timeout` after `timeoutMs`, whichever comes first. */
export async function settleWithin(promises: readonly Promise<unknown>[], timeoutMs: number): Promise<'done' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    return await Promise.race([Promise.allSettled(promises).then(() => 'done' as const), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
