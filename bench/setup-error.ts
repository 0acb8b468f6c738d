/**
 * What a bench needs and this machine lacks (a data set, an interpreter, a checkout): a SetupError says so and names
 * the fix; `runBench` prints its message alone, with no stack trace, and exits 1. Other errors keep their stack.
 */

/** Something a bench needs is missing; the message says what and how to get it. */
export class SetupError extends Error {
  override name = 'SetupError';
}

/** Runs a bench's main: a SetupError becomes one line on stderr and exit code 1; anything else is thrown on. */
export async function runBench(name: string, main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (!(error instanceof SetupError)) throw error;
    process.stderr.write(`${name}: ${error.message}\n`);
    process.exitCode = 1;
  }
}
