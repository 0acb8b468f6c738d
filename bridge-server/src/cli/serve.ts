/** `tsdsr serve`: runs the bridge until Ctrl-C, printing where it listens and where the pairing token is. */
import { stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { buildApp } from '../app.ts';
import { hostnameOf } from '../auth/host.ts';
import { loadOrCreateToken } from '../auth/token.ts';
import { configDir, tokenPath } from '../paths.ts';
import { jsonLogger } from '../observe/index.ts';
import { DRAIN_TIMEOUT_MS } from '../protocol/index.ts';
import { displayUrl, redisOptions } from '../queue/redis/index.ts';
import { reloadOnHangup } from '../service/index.ts';
import { closeOnSignal } from '../shutdown.ts';
import { EXIT, parseCommandLine, parseDevice, parseInteger, UsageError } from './args.ts';
import type { CliIO } from './io.ts';
import { textLogger } from './text-logger.ts';

/** Help text of the command. */
export const SERVE_HELP = `Usage: tsdsr serve [options]

Runs the local bridge the Figma plugin (and any script) connects to.

Options:
      --port <n>             port (default 8731)
      --host <address>       address to bind (default 127.0.0.1, this machine only)
      --models <dir>         also load models from this directory (repeatable)
      --device <device>      auto, cpu, webgpu or cuda (default auto)
      --allow-origin <url>   also accept requests from this web origin, e.g. http://localhost:5173 (repeatable)
      --allow-host <name>    also answer to this Host name, e.g. a LAN name behind a TLS proxy (repeatable; the
                             loopback names and the --host address are always accepted)
      --trust-proxy <addr>   a TLS reverse proxy's address (or CIDR) whose X-Forwarded-For names the client, so
                             wrong-token lockouts hit one client, not everyone behind the proxy (repeatable)
      --drain-timeout <s>    on SIGTERM or Ctrl-C, seconds running jobs may take to finish (default 30)
      --concurrency <n>      jobs run at the same time (default 1)
      --queue <url>          a team bridge: put jobs on BullMQ in this Redis (redis://host:6379/0) for \`tsdsr worker\`s
                             to run, instead of running them here (see docs/team.md)
      --rate-limit <n>       jobs per minute each named user (\`tsdsr token add\`) may start, also the burst allowed
                             (default 60; 0: no limit); the pairing token is never limited
      --train-root <dir>     allow POST /v1/train to read training data and teachers under this directory (repeatable;
                             without it training over the bridge is disabled)
      --log-format <format>  pretty (default: readable lines on stderr) or json (one JSON object a line on stdout, for a
                             service manager; \`tsdsr service install\` uses it)

SIGHUP rescans the model folders without closing connections; SIGTERM drains (see --drain-timeout).
  -h, --help                 show this help`;

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  models: { type: 'string', multiple: true },
  device: { type: 'string' },
  'allow-origin': { type: 'string', multiple: true },
  'allow-host': { type: 'string', multiple: true },
  'trust-proxy': { type: 'string', multiple: true },
  'drain-timeout': { type: 'string' },
  concurrency: { type: 'string' },
  queue: { type: 'string' },
  'rate-limit': { type: 'string' },
  'train-root': { type: 'string', multiple: true },
  'log-format': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parseOrigin(text: string): string {
  let origin: string;
  try {
    origin = new URL(text).origin;
  } catch {
    origin = 'null';
  }
  if (origin === 'null') throw new UsageError(`--allow-origin ${text}: give a web origin such as http://localhost:5173`);
  return origin;
}

function parseHostName(text: string): string {
  if (hostnameOf(text) === undefined || (text.includes(':') && !text.startsWith('['))) {
    throw new UsageError(`--allow-host ${text}: give a host name such as bridge.example.lan (no scheme, no port)`);
  }
  return text;
}

function parseProxy(text: string): string {
  const [address = '', bits, extra] = text.split('/');
  if (extra !== undefined || isIP(address) === 0 || (bits !== undefined && !/^\d{1,3}$/.test(bits))) {
    throw new UsageError(`--trust-proxy ${text}: give the proxy's IP address or a CIDR, e.g. 127.0.0.1 or 10.0.0.0/8`);
  }
  return text;
}

async function checkDirs(flag: string, dirs: readonly string[]): Promise<void> {
  for (const dir of dirs) {
    const isDir = await stat(dir).then((s) => s.isDirectory(), () => false);
    if (!isDir) throw new UsageError(`--${flag} ${dir}: no such directory`);
  }
}

/** Runs the command; resolves with the exit code once the server has stopped. */
export async function serveCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, OPTIONS);
  if (values.help) {
    io.out(SERVE_HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`serve takes no arguments, got '${positionals[0]}'`);
  const port = parseInteger('port', values.port, 0, 65535) ?? 8731;
  const host = values.host ?? '127.0.0.1';
  const concurrency = parseInteger('concurrency', values.concurrency, 1, 64);
  if (values.queue !== undefined) {
    try {
      redisOptions(values.queue);
    } catch (err) {
      throw new UsageError(`--queue ${(err as Error).message}`);
    }
  }
  const jobsPerMinute = parseInteger('rate-limit', values['rate-limit'], 0, 100_000);
  const allowOrigins = (values['allow-origin'] ?? []).map(parseOrigin);
  const allowHosts = (values['allow-host'] ?? []).map(parseHostName);
  const trustProxy = (values['trust-proxy'] ?? []).map(parseProxy);
  const drainSeconds = parseInteger('drain-timeout', values['drain-timeout'], 0, 3600);
  const drainTimeoutMs = drainSeconds === undefined ? DRAIN_TIMEOUT_MS : drainSeconds * 1000;
  const device = parseDevice(values.device);
  await checkDirs('models', values.models ?? []);
  const trainRoots = values['train-root'] ?? [];
  await checkDirs('train-root', trainRoots);
  const logFormat = values['log-format'] ?? 'pretty';
  if (logFormat !== 'pretty' && logFormat !== 'json') throw new UsageError(`--log-format ${logFormat}: use pretty or json`);
  const dir = configDir(io.env);
  const logger = logFormat === 'json' ? jsonLogger() : textLogger(process.stderr);
  const { path, created } = await loadOrCreateToken(tokenPath(dir), (m) => logger.warn(m));
  const app = await buildApp({ configDir: dir, host, allowHosts, device, modelDirs: values.models, allowOrigins, concurrency, queue: values.queue, trainRoots, logger,
    trustProxy,
    ...(jobsPerMinute === undefined ? {} : { rateLimit: { jobsPerMinute } }) });
  try {
    await app.listen({ port, host });
  } catch (err) {
    await app.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new Error(`port ${port} on ${host} is already in use (another tsdsr?); pass --port <n>`);
    throw err;
  }
  const say = logFormat === 'json' ? (line: string) => logger.info(line) : io.err;
  announce(say, app.server.address(), { host, path, created, models: app.registry.list().map((m) => m.manifest.id), device });
  if (values.queue !== undefined) say(`jobs go to the team queue at ${displayUrl(values.queue)}; \`tsdsr worker\`s run them`);
  const stopReloading = reloadOnHangup(app, (message) => logger.info(message));
  await closeOnSignal(app, { drainTimeoutMs, log: (message) => logger.info(message) });
  stopReloading();
  return EXIT.ok;
}

interface Announcement {
  host: string;
  path: string;
  created: boolean;
  models: string[];
  device: string;
}

function announce(say: (line: string) => void, address: ReturnType<import('node:net').Server['address']>, a: Announcement): void {
  const port = address && typeof address === 'object' ? address.port : 0;
  const shown = a.host.includes(':') ? `[${a.host}]` : a.host;
  say(`tsdsr bridge listening on http://${shown}:${port} (WebSocket ws://${shown}:${port}/v1/ws)`);
  say(`models: ${a.models.join(', ') || 'none found'}; device: ${a.device}`);
  say(`pairing token ${a.created ? 'created in' : 'in'} ${a.path}; run \`tsdsr token\` to print it`);
  if (!['127.0.0.1', 'localhost', '::1'].includes(a.host)) {
    say(`warning: bound to ${a.host}, so other machines can reach this server; they still need a token, and tokens must not cross a network in clear text: serve it behind a TLS reverse proxy (docs/security.md)`);
  }
}
