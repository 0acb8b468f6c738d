/** `tsdsr token`: prints the pairing token (creating it when missing), or where it is stored. */
import { loadOrCreateToken } from '../auth/token.ts';
import { configDir, tokenPath } from '../paths.ts';
import { EXIT, parseCommandLine, UsageError } from './args.ts';
import type { CliIO } from './io.ts';

/** Help text of the command. */
export const TOKEN_HELP = `Usage: tsdsr token [--path]

Prints the pairing token clients must present (paste it into the Figma plugin),
creating it on first use. It is stored, readable only by you, in <config dir>/token.

Options:
      --path       print the token file's path instead
  -h, --help       show this help`;

const OPTIONS = { path: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

/** Runs the command; returns the exit code. */
export async function tokenCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, OPTIONS);
  if (values.help) {
    io.out(TOKEN_HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`token takes no arguments, got '${positionals[0]}'`);
  const path = tokenPath(configDir(io.env));
  const { token, created } = await loadOrCreateToken(path, (m) => io.err(`warning: ${m}`));
  if (created) io.err(`created a new pairing token in ${path}`);
  io.out(values.path ? path : token);
  return EXIT.ok;
}
