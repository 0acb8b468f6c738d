/** The `tsdsr service` actions over any {@link ServiceManager}: install, uninstall, start, stop, restart, status, logs. */
import { spawn } from 'node:child_process';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { tokenPath, userModelsDir } from '../paths.ts';
import type { ServiceManager, Step } from './manager.ts';
import { shellCommand, type ServiceSpec } from './spec.ts';

/** What a command printed and how it ended (127: not found). */
export interface ExecResult {
  code: number;
  output: string;
}

/** Runs a command: `inherit` shows its output as it comes (status, logs), otherwise it is captured. */
export type Exec = (argv: string[], options: { inherit: boolean }) => Promise<ExecResult>;

/** Runs commands with child_process. */
export const spawnExec: Exec = (argv, { inherit }) => new Promise((resolve) => {
  const [command, ...args] = argv as [string, ...string[]];
  const child = spawn(command, args, { stdio: inherit ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.once('error', (err: NodeJS.ErrnoException) => resolve({ code: 127, output: err.code === 'ENOENT' ? `${command}: command not found` : err.message }));
  child.once('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output: output.trim() }));
});

/** A refusal or failure `tsdsr service` reports as it is (exit 1). */
export class ServiceError extends Error {
  override name = 'ServiceError';
}

/** What the actions work with. */
export interface ServiceContext {
  manager: ServiceManager;
  exec: Exec;
  /** Messages for people. */
  say(line: string): void;
}

const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);

/** True when something on this machine already listens on the port (a bridge started by hand, another program). */
export function portTaken(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'EADDRINUSE'));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(false)));
  });
}

/** Runs the steps in order; a failing one throws, or with `inherit` (its output already shown) ends the run with its exit code. */
async function runSteps(context: ServiceContext, steps: readonly Step[], inherit = false): Promise<number> {
  for (const { argv, mayFail } of steps) {
    const { code, output } = await context.exec(argv, { inherit });
    if (code === 0 || mayFail) continue;
    if (inherit) return code;
    throw new ServiceError(`\`${argv.join(' ')}\` failed (exit ${code})${output ? `:\n${output}` : ''}`);
  }
  return 0;
}

/** Throws, naming the command to run instead, when the service manager cannot be used here (a container, WSL without systemd). */
async function requireManager(context: ServiceContext, spec?: ServiceSpec): Promise<void> {
  const { code, output } = await context.exec(context.manager.probe, { inherit: false });
  if (code === 0) return;
  const why = `no service manager for a ${context.manager.kind} is available here (\`${context.manager.probe.join(' ')}\`: ${output.split('\n')[0] || `exit ${code}`})`;
  const instead = spec ? `; nothing was installed. Run the bridge yourself instead:\n  ${shellCommand(spec)}` : '';
  throw new ServiceError(`${why}${instead}`);
}

async function requireInstalled(context: ServiceContext): Promise<void> {
  if (!(await exists(context.manager.file))) throw new ServiceError(`the bridge is not installed as a service (no ${context.manager.file}); run \`tsdsr service install\``);
}

/** Writes the service definition, then registers, enables and starts it; refuses when installed already (unless `force`) or the port is taken. */
export async function installService(context: ServiceContext, spec: ServiceSpec, options: { force?: boolean } = {}): Promise<void> {
  const { manager } = context;
  await requireManager(context, spec);
  if (!options.force && (await exists(manager.file))) {
    throw new ServiceError(`the bridge is already installed (${manager.file}); \`tsdsr service uninstall\` first, or pass --force to rewrite it`);
  }
  if (options.force) await runSteps(context, manager.uninstall);
  if (await portTaken(spec.settings.port)) {
    throw new ServiceError(`port ${spec.settings.port} is already in use (a bridge started by hand? stop it), or pass --port <n>`);
  }
  for (const dir of [dirname(manager.file), ...manager.dirs, ...spec.writableDirs]) await mkdir(dir, { recursive: true });
  await writeFile(manager.file, manager.render(spec));
  context.say(`wrote ${manager.file}`);
  await runSteps(context, manager.install);
  context.say(`installed the bridge as a ${manager.kind}: it starts at login and restarts if it fails; logs: ${manager.logsWhere}`);
}

/** Stops and removes the service; the token and models stay unless `purge`. */
export async function uninstallService(context: ServiceContext, configDir: string, options: { purge?: boolean } = {}): Promise<void> {
  const { manager } = context;
  await requireInstalled(context);
  await runSteps(context, manager.uninstall);
  await rm(manager.file, { force: true });
  await runSteps(context, manager.afterUninstall);
  context.say(`removed ${manager.file}`);
  if (!options.purge) {
    context.say(`kept the pairing token and models in ${configDir} (pass --purge to delete them)`);
    return;
  }
  for (const path of [tokenPath(configDir), userModelsDir(configDir), join(configDir, 'training')]) await rm(path, { recursive: true, force: true });
  context.say(`deleted the pairing token, models and training runs in ${configDir}`);
}

/** The actions that only drive an installed service. */
export type ControlAction = 'start' | 'stop' | 'restart' | 'status' | 'logs';

/** Runs one of the simple actions; resolves with the exit code of `status` and `logs` (their output goes straight to the terminal), else 0. */
export async function controlService(context: ServiceContext, action: ControlAction, follow = false): Promise<number> {
  await requireInstalled(context);
  await requireManager(context);
  const { manager } = context;
  if (action === 'status' || action === 'logs') return runSteps(context, action === 'logs' ? manager.logs(follow) : manager.status, true);
  await runSteps(context, manager[action]);
  context.say(`${action}: done`);
  return 0;
}
