/** What a login service runs: the absolute `node`, the package's entry point and the `tsdsr serve` arguments, plus the folders it writes. */
import { join } from 'node:path';
import type { DeviceChoice } from '../../../models/runtime/index.ts';
import { PACKAGE_ROOT } from '../paths.ts';

/** The port the bridge listens on when none is given. */
export const DEFAULT_PORT = 8731;

/** The service's name: the systemd unit `tsdsr.service`, the scheduled task `tsdsr`. */
export const SERVICE_NAME = 'tsdsr';

/** The launchd label (also the plist's file name). */
export const LAUNCHD_LABEL = 'tsdsr.bridge';

/** The `tsdsr serve` settings a service is installed with. */
export interface ServeSettings {
  port: number;
  device: DeviceChoice;
  /** Extra model folders (`--models`), absolute. */
  modelDirs: readonly string[];
  /** Training roots (`--train-root`), absolute. */
  trainRoots: readonly string[];
  concurrency?: number;
  /** systemd `MemoryMax=` (e.g. `8G`); other service managers ignore it. */
  memoryMax?: string;
}

/** Everything a service definition holds. */
export interface ServiceSpec {
  /** The absolute path of the node binary running this CLI (not looked up on PATH). */
  node: string;
  /** The absolute path of the package's `tsdsr` entry point. */
  entry: string;
  /** Arguments after the entry point: `serve --port … --log-format json`. */
  args: string[];
  /** The bridge's configuration folder (token, models, training), passed as TSDSR_CONFIG_DIR. */
  configDir: string;
  /** Folders the bridge must be able to write: the configuration folder (the user's models and training runs live inside it). */
  writableDirs: string[];
  settings: ServeSettings;
}

/** The package's entry point, `bridge-server/bin/tsdsr.js`, as an absolute path. */
export const ENTRY_POINT = join(PACKAGE_ROOT, 'bridge-server', 'bin', 'tsdsr.js');

/** The `tsdsr serve` arguments for the settings; logs as JSON for the service manager. */
export function serveArgs(settings: ServeSettings): string[] {
  const args = ['serve', '--port', String(settings.port), '--device', settings.device];
  for (const dir of settings.modelDirs) args.push('--models', dir);
  for (const dir of settings.trainRoots) args.push('--train-root', dir);
  if (settings.concurrency !== undefined) args.push('--concurrency', String(settings.concurrency));
  args.push('--log-format', 'json');
  return args;
}

/** Builds the spec for this node and this package. */
export function serviceSpec(settings: ServeSettings, configDir: string, node: string = process.execPath): ServiceSpec {
  return {
    node,
    entry: ENTRY_POINT,
    args: serveArgs(settings),
    configDir,
    writableDirs: [configDir],
    settings,
  };
}

/** The whole command line, as argv. */
export function commandLine(spec: ServiceSpec): string[] {
  return [spec.node, spec.entry, ...spec.args];
}

/** The command line for a POSIX shell, each argument quoted when it needs it (what to run by hand where no service manager is). */
export function shellCommand(spec: ServiceSpec): string {
  const quote = (arg: string): string => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`);
  return [`TSDSR_CONFIG_DIR=${quote(spec.configDir)}`, ...commandLine(spec).map(quote)].join(' ');
}
