/** The streams and environment a command runs with (process ones by default, fakes in tests). */
import type { ProgressStream } from './progress.ts';

/** Output, error output and environment of a command. */
export interface CliIO {
  /** Writes a line to stdout (results, data for scripts). */
  out(line: string): void;
  /** Writes a line to stderr (progress, messages for people). */
  err(line: string): void;
  stderr: ProgressStream;
  env: NodeJS.ProcessEnv;
}

/** The process's own streams and environment. */
export function processIO(): CliIO {
  return {
    out: (line) => void process.stdout.write(`${line}\n`),
    err: (line) => void process.stderr.write(`${line}\n`),
    stderr: process.stderr,
    env: process.env,
  };
}
