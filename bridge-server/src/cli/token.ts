/** `tsdsr token`: prints the pairing token (creating it when missing), or where it is stored; `--rotate` replaces it; `add|list|revoke` manage named users. */
import { loadOrCreateToken, rotateToken } from '../auth/token.ts';
import { configDir, tokenPath } from '../paths.ts';
import { EXIT, parseCommandLine, parseInteger, UsageError } from './args.ts';
import type { CliIO } from './io.ts';
import { USER_ACTIONS, userTokenCommand, type UserAction } from './token-users.ts';

/** Help text of the command. */
export const TOKEN_HELP = `Usage: tsdsr token [--path] [--rotate [--port <n>]]
       tsdsr token add <name> | list | revoke <name> [--port <n>]

Prints the pairing token clients must present (paste it into the Figma plugin),
creating it on first use. It is stored, readable only by you, in <config dir>/token.

On a bridge shared by a team, give each person their own token instead:
  add <name>      create a token for <name> and print it (only now: just its hash is kept,
                  in <config dir>/users.json); the running bridge accepts it at once
  list            list the users and when their tokens were made (never the tokens)
  revoke <name>   refuse <name>'s token from now on; the running bridge closes their sessions
The pairing token keeps working beside them as the user 'owner'.

Options:
      --path       print the token file's path instead
      --rotate     replace the token with a new one and print it: the old token is refused from
                   then on and clients paired with it (the plugin) must pair again. A bridge running
                   on this machine is told at once; one on another port picks up the file within a second.
      --port <n>   the port of the running bridge to tell (with --rotate, add, revoke; default 8731)
  -h, --help       show this help`;

const OPTIONS = {
  path: { type: 'boolean' },
  rotate: { type: 'boolean' },
  port: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** How long to wait for a running bridge to confirm the new token. */
const NOTIFY_TIMEOUT_MS = 3_000;

/** Tells a bridge on 127.0.0.1:port to reload the token file; returns what happened, for people. */
async function notifyBridge(port: number, token: string): Promise<string> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/v1/token/reload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(NOTIFY_TIMEOUT_MS),
    });
    if (response.ok) return `the bridge on port ${port} now accepts only the new token; clients paired with the old one were disconnected`;
    return `the server on port ${port} answered ${response.status}; a bridge picks up the new token from the file by itself`;
  } catch {
    return `no bridge answered on port ${port}; a running bridge picks up the new token from the file by itself`;
  }
}

/** Runs the command; returns the exit code. */
export async function tokenCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, OPTIONS);
  if (values.help) {
    io.out(TOKEN_HELP);
    return EXIT.ok;
  }
  const [action, ...names] = positionals;
  if (action !== undefined) {
    if (!USER_ACTIONS.includes(action as UserAction)) throw new UsageError(`unknown token action '${action}' (use add, list or revoke)`);
    if (values.path || values.rotate) throw new UsageError(`--path and --rotate are not used with token ${action}`);
    if (values.port !== undefined && action === 'list') throw new UsageError('--port is used with --rotate, token add and token revoke only');
    return userTokenCommand(action as UserAction, names, parseInteger('port', values.port, 1, 65535) ?? 8731, io);
  }
  if (values.port !== undefined && !values.rotate) throw new UsageError('--port is used with --rotate only (or with token add and revoke)');
  if (values.path && values.rotate) throw new UsageError('give --path or --rotate, not both');
  const path = tokenPath(configDir(io.env));
  if (values.rotate) {
    const port = parseInteger('port', values.port, 1, 65535) ?? 8731;
    const token = await rotateToken(path);
    io.err(`replaced the pairing token in ${path}; ${await notifyBridge(port, token)}`);
    io.out(token);
    return EXIT.ok;
  }
  const { token, created } = await loadOrCreateToken(path, (m) => io.err(`warning: ${m}`));
  if (created) io.err(`created a new pairing token in ${path}`);
  io.out(values.path ? path : token);
  return EXIT.ok;
}
