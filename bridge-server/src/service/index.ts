/** Running the bridge as a login service: the service definitions of each OS and the `tsdsr service` actions. */
import { homedir } from 'node:os';
import type { ServiceManager } from './manager.ts';
import { launchdManager } from './launchd.ts';
import { schtasksManager } from './schtasks.ts';
import { systemdManager } from './systemd.ts';

export { controlService, installService, portTaken, spawnExec, ServiceError, uninstallService, type ControlAction, type Exec, type ExecResult, type ServiceContext } from './actions.ts';
export { launchdPlist } from './launchd.ts';
export type { ServiceManager, Step } from './manager.ts';
export { scheduledTaskXml } from './schtasks.ts';
export { DEFAULT_PORT, ENTRY_POINT, LAUNCHD_LABEL, SERVICE_NAME, commandLine, serveArgs, serviceSpec, shellCommand, type ServeSettings, type ServiceSpec } from './spec.ts';
export { systemdUnit } from './systemd.ts';

/** The service manager of a platform: systemd (Linux and others), launchd (macOS), Task Scheduler (Windows). */
export function serviceManagerFor(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, uid: number): ServiceManager {
  const home = env.HOME || env.USERPROFILE || homedir();
  if (platform === 'darwin') return launchdManager(home, uid);
  if (platform === 'win32') return schtasksManager(env, home);
  return systemdManager(env, home);
}
export { reloadOnHangup } from './reload.ts';
