/** `tsdsr service`: installs the bridge as a login service (systemd user unit, launchd agent, Windows logon task) and drives it. */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { configDir } from '../paths.ts';
import {
  DEFAULT_PORT, controlService, installService, serviceManagerFor, serviceSpec, spawnExec, uninstallService,
  ServiceError, type ControlAction, type Exec, type ServeSettings, type ServiceManager,
} from '../service/index.ts';
import { EXIT, parseCommandLine, parseDevice, parseInteger, UsageError } from './args.ts';
import type { CliIO } from './io.ts';

/** Help text of the command. */
export const SERVICE_HELP = `Usage: tsdsr service <action> [options]

Runs the bridge as a service of your user account: it starts at login, restarts
if it fails, and logs where the OS keeps logs (see docs/service.md).
  Linux    systemd user unit   ~/.config/systemd/user/tsdsr.service
  macOS    launchd agent       ~/Library/LaunchAgents/tsdsr.bridge.plist
  Windows  logon task          schtasks task "tsdsr", logs in %LOCALAPPDATA%\\tsdsr\\logs

Actions:
  install     write the service definition, enable it at login and start it
  uninstall   stop and remove it (the pairing token and models stay unless --purge)
  start, stop, restart
  status      what the service manager says about it (\`tsdsr status\` asks the bridge itself)
  logs        the bridge's recent log lines (-f: keep following)

Options of install (stored in the service definition):
      --port <n>             port (default ${DEFAULT_PORT})
      --device <device>      auto, cpu, webgpu or cuda (default auto)
      --models <dir>         also load models from this directory (repeatable)
      --train-root <dir>     allow POST /v1/train under this directory (repeatable)
      --concurrency <n>      jobs run at the same time (default 1)
      --memory-max <size>    systemd only: memory limit, e.g. 8G or 50%
      --force                rewrite an installed service (after moving node or the package)
Other options:
      --purge                uninstall: also delete the pairing token, models and training runs
  -f, --follow               logs: keep printing new lines
  -h, --help                 show this help`;

const OPTIONS = {
  port: { type: 'string' },
  device: { type: 'string' },
  models: { type: 'string', multiple: true },
  'train-root': { type: 'string', multiple: true },
  concurrency: { type: 'string' },
  'memory-max': { type: 'string' },
  force: { type: 'boolean' },
  purge: { type: 'boolean' },
  follow: { type: 'boolean', short: 'f' },
  help: { type: 'boolean', short: 'h' },
} as const;

const ACTIONS = ['install', 'uninstall', 'start', 'stop', 'restart', 'status', 'logs'] as const;
type Action = (typeof ACTIONS)[number];
type Values = ReturnType<typeof parseCommandLine<typeof OPTIONS>>['values'];

/** What the command runs against (the real OS by default; fakes in tests). */
export interface ServiceCommandDeps {
  manager?: ServiceManager;
  exec?: Exec;
}

async function absoluteDirs(flag: string, dirs: readonly string[] = []): Promise<string[]> {
  const out: string[] = [];
  for (const dir of dirs) {
    const isDir = await stat(dir).then((s) => s.isDirectory(), () => false);
    if (!isDir) throw new UsageError(`--${flag} ${dir}: no such directory`);
    out.push(resolve(dir));
  }
  return out;
}

function parseMemoryMax(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (!/^(\d+(\.\d+)?[KMGT]?|\d{1,2}%|100%|infinity)$/.test(text)) throw new UsageError(`--memory-max ${text}: give a size such as 8G, 512M or 50%`);
  return text;
}

async function settingsOf(values: Values): Promise<ServeSettings> {
  return {
    port: parseInteger('port', values.port, 1, 65535) ?? DEFAULT_PORT,
    device: parseDevice(values.device),
    modelDirs: await absoluteDirs('models', values.models),
    trainRoots: await absoluteDirs('train-root', values['train-root']),
    concurrency: parseInteger('concurrency', values.concurrency, 1, 64),
    memoryMax: parseMemoryMax(values['memory-max']),
  };
}

function checkFlags(action: Action, values: Values): void {
  const installOnly = ['port', 'device', 'models', 'train-root', 'concurrency', 'memory-max', 'force'] as const;
  const allowed: Readonly<Record<Action, readonly string[]>> = { install: installOnly, uninstall: ['purge'], logs: ['follow'], start: [], stop: [], restart: [], status: [] };
  for (const name of Object.keys(values)) {
    if (name !== 'help' && !allowed[action].includes(name)) throw new UsageError(`--${name} does not apply to \`service ${action}\``);
  }
}

/** Runs the command; returns the exit code. */
export async function serviceCommand(argv: string[], io: CliIO, deps: ServiceCommandDeps = {}): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, OPTIONS);
  if (values.help) {
    io.out(SERVICE_HELP);
    return EXIT.ok;
  }
  const [action, extra] = positionals;
  if (action === undefined) throw new UsageError(`give an action: ${ACTIONS.join(', ')}`);
  if (!(ACTIONS as readonly string[]).includes(action)) throw new UsageError(`unknown action '${action}'; use one of ${ACTIONS.join(', ')}`);
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
  checkFlags(action as Action, values);
  const dir = resolve(configDir(io.env));
  const manager = deps.manager ?? serviceManagerFor(process.platform, io.env, process.getuid?.() ?? 0);
  const context = { manager, exec: deps.exec ?? spawnExec, say: io.err };
  try {
    if (action === 'install') await installService(context, serviceSpec(await settingsOf(values), dir), { force: values.force });
    else if (action === 'uninstall') await uninstallService(context, dir, { purge: values.purge });
    else return await controlService(context, action as ControlAction, values.follow);
  } catch (err) {
    if (!(err instanceof ServiceError)) throw err;
    io.err(`tsdsr service ${action}: ${err.message}`);
    return EXIT.failure;
  }
  return EXIT.ok;
}
