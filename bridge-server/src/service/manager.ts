/** A service manager as data: the file `install` writes and the commands each `tsdsr service` action runs. */
import type { ServiceSpec } from './spec.ts';

/** One command an action runs; `mayFail` when failing is fine (stopping what is not running). */
export interface Step {
  argv: string[];
  mayFail?: boolean;
}

/** What `tsdsr service` needs to know about one OS's service manager. */
export interface ServiceManager {
  /** For people: "systemd user unit", "launchd agent", "scheduled task". */
  kind: string;
  /** The service definition `install` writes. */
  file: string;
  /** Folders `install` creates besides the file's own (the log folder). */
  dirs: string[];
  /** The definition's contents. */
  render(spec: ServiceSpec): string | Uint8Array;
  /** A command that succeeds only where this manager can be used (a user systemd, a GUI session). */
  probe: string[];
  /** After `render` is written: register, enable at login and start. */
  install: Step[];
  /** Before the file is removed: stop and unregister. */
  uninstall: Step[];
  /** After the file is removed (the manager forgets it). */
  afterUninstall: Step[];
  start: Step[];
  stop: Step[];
  restart: Step[];
  status: Step[];
  /** Shows the bridge's logs (`follow`: keep printing new lines). */
  logs(follow: boolean): Step[];
  /** Where the logs are kept, for people. */
  logsWhere: string;
}

/** A step that must succeed. */
export const step = (...argv: string[]): Step => ({ argv });

/** A step whose failure is ignored. */
export const tryStep = (...argv: string[]): Step => ({ argv, mayFail: true });
