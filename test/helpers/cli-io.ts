/** A CLI I/O for tests: stdout dropped, each stderr line kept in `lines`, the config directory set to `configDir`. */
import type { CliIO } from '../../bridge-server/src/cli/io.ts';

export function linesIO(configDir: string): CliIO & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: () => {}, err: (line) => void lines.push(line), stderr: { write: () => true }, env: { ...process.env, TSDSR_CONFIG_DIR: configDir } };
}
