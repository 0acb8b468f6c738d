/** `tsdsr status`: asks the bridge on this machine how it is (GET /v1/health with the token) and prints it for people. */
import { readToken } from '../auth/token.ts';
import { configDir, tokenPath } from '../paths.ts';
import type { HealthBody } from '../protocol/index.ts';
import { DEFAULT_PORT } from '../service/index.ts';
import { EXIT, parseCommandLine, parseInteger, UsageError } from './args.ts';
import type { CliIO } from './io.ts';

/** Help text of the command. */
export const STATUS_HELP = `Usage: tsdsr status [--port <n>] [--json]

Asks the bridge running on this machine how it is: version, uptime, device, models,
queue and the last job error. Exits 1 when no bridge answers.

Options:
      --port <n>   the bridge's port (default ${DEFAULT_PORT})
      --json       print the bridge's answer (GET /v1/health) as it is
  -h, --help       show this help`;

const OPTIONS = {
  port: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** How long to wait for the bridge. */
const STATUS_TIMEOUT_MS = 3_000;

/** `3 d 4 h`, `2 h 5 min`, `42 s`. */
export function formatUptime(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3_600);
  const minutes = Math.floor((seconds % 3_600) / 60);
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${minutes} min`;
  return minutes > 0 ? `${minutes} min ${seconds % 60} s` : `${seconds} s`;
}

/** The health answer as lines for people. */
export function describeHealth(health: HealthBody, port: number): string[] {
  const lines = [`tsdsr bridge ${health.server.version} running on port ${port} (protocol ${health.protocol})${health.uptimeSeconds === undefined ? '' : `, up ${formatUptime(health.uptimeSeconds)}`}`];
  if (health.device === undefined) {
    lines.push('(the pairing token was not accepted, so the bridge told its version only; run `tsdsr token` to check it)');
    return lines;
  }
  const loaded = (health.loaded ?? []).map((m) => `${m.id} on ${m.device}`).join(', ');
  lines.push(`device: ${health.device}${loaded ? ` (in use: ${loaded})` : ''}; available: ${(health.devices ?? []).join(', ') || 'none'}`);
  lines.push(`models: ${(health.models ?? []).map((m) => `${m.id} (${m.version})`).join(', ') || 'none installed'}`);
  if (health.queue) lines.push(`queue: ${health.queue.running} running, ${health.queue.queued} waiting`);
  lines.push(health.lastError ? `last error: ${health.lastError.at} ${health.lastError.code}: ${health.lastError.message}` : 'last error: none');
  return lines;
}

/** Runs the command; returns the exit code (1 when no bridge answers). */
export async function statusCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, OPTIONS);
  if (values.help) {
    io.out(STATUS_HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`status takes no arguments, got '${positionals[0]}'`);
  const port = parseInteger('port', values.port, 1, 65535) ?? DEFAULT_PORT;
  const token = await readToken(tokenPath(configDir(io.env))).catch(() => undefined);
  let response: Response;
  try {
    response = await fetch(`http://127.0.0.1:${port}/v1/health`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(STATUS_TIMEOUT_MS),
    });
  } catch {
    io.err(`no bridge is running on port ${port} (start it with \`tsdsr serve\` or \`tsdsr service start\`)`);
    return EXIT.failure;
  }
  if (response.status === 401) {
    io.err(`a bridge on port ${port} refused this machine's pairing token (was it started with another config folder?)`);
    return EXIT.failure;
  }
  if (!response.ok) {
    io.err(`the server on port ${port} answered ${response.status}; is it a tsdsr bridge?`);
    return EXIT.failure;
  }
  const health = (await response.json()) as HealthBody;
  if (values.json) io.out(JSON.stringify(health, null, 2));
  else for (const line of describeHealth(health, port)) io.out(line);
  return EXIT.ok;
}
