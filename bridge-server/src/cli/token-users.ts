/** `tsdsr token add|list|revoke`: named tokens for the people sharing one bridge (only hashes are stored; `add` prints the token once). */
import { lastUsedPath, readLastUsed } from '../auth/last-used.ts';
import { readToken } from '../auth/token.ts';
import { addUser, OWNER, readUsers, revokeUser, userNameProblem } from '../auth/users.ts';
import { configDir, tokenPath, usersPath } from '../paths.ts';
import { EXIT, UsageError } from './args.ts';
import type { CliIO } from './io.ts';

/** The user subcommands of `tsdsr token`. */
export const USER_ACTIONS = Object.freeze(['add', 'list', 'revoke'] as const);
/** One of USER_ACTIONS. */
export type UserAction = (typeof USER_ACTIONS)[number];

/** How long to wait for a running bridge to confirm it re-read the files. */
const NOTIFY_TIMEOUT_MS = 3_000;

/** Asks a bridge on 127.0.0.1:port to re-read the token and users files (proving it holds the pairing token); true when it did. */
export async function askBridgeToReload(port: number, pairingToken: string): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/v1/token/reload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${pairingToken}` },
      signal: AbortSignal.timeout(NOTIFY_TIMEOUT_MS),
    });
    return response.ok;
  } catch {
    return false;
  }
}

async function tellBridge(dir: string, port: number, done: string): Promise<string> {
  const pairingToken = await readToken(tokenPath(dir));
  if (pairingToken && (await askBridgeToReload(port, pairingToken))) return `the bridge on port ${port} ${done}`;
  return `no bridge on port ${port} confirmed; a running bridge re-reads the users file by itself within a second`;
}

function nameOf(action: UserAction, names: readonly string[]): string {
  if (names.length !== 1) throw new UsageError(`token ${action} takes one user name, got ${names.length}`);
  const name = names[0]!;
  if (action === 'add') {
    const problem = userNameProblem(name);
    if (problem) throw new UsageError(problem);
  }
  return name;
}

/** Runs `token add|list|revoke`; returns the exit code. */
export async function userTokenCommand(action: UserAction, names: readonly string[], port: number, io: CliIO): Promise<number> {
  const dir = configDir(io.env);
  const path = usersPath(dir);
  if (action === 'list') {
    if (names.length > 0) throw new UsageError(`token list takes no arguments, got '${names[0]}'`);
    const lastUsed = await readLastUsed(lastUsedPath(path));
    io.out(`${'NAME'.padEnd(24)} ${'CREATED'.padEnd(24)} LAST USED`);
    io.out(`${OWNER.padEnd(24)} (the pairing token: \`tsdsr token\` prints it)`);
    for (const user of await readUsers(path)) {
      // A use from before the token was made belongs to an earlier token of the same name.
      const used = lastUsed[user.name];
      io.out(`${user.name.padEnd(24)} ${user.created.padEnd(24)} ${used !== undefined && used >= user.created ? used : 'never'}`);
    }
    return EXIT.ok;
  }
  const name = nameOf(action, names);
  if (action === 'add') {
    const token = await addUser(path, name);
    io.err(`added user ${name}; give them the token below (shown only now: only its hash is kept in ${path})`);
    io.err(await tellBridge(dir, port, 'accepts it now'));
    io.out(token);
    return EXIT.ok;
  }
  if (!(await revokeUser(path, name))) {
    io.err(`tsdsr token revoke: no user '${name}' (\`tsdsr token list\` shows them)`);
    return EXIT.failure;
  }
  io.err(`revoked the token of ${name}; ${await tellBridge(dir, port, `refuses it now and closed ${name}'s sessions`)}`);
  return EXIT.ok;
}
