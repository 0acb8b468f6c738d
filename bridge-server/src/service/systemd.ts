/** Linux: a systemd user unit, `~/.config/systemd/user/tsdsr.service`, enabled with `systemctl --user enable --now`. */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { step, tryStep, type ServiceManager } from './manager.ts';
import { SERVICE_NAME, commandLine, type ServiceSpec } from './spec.ts';

const UNIT = `${SERVICE_NAME}.service`;

/** One word of a unit file line: quoted, with systemd's specifier (`%`) and variable (`$`) characters escaped. */
export function unitWord(text: string, variables = true): string {
  const escaped = text.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('%', '%%');
  return `"${variables ? escaped.replaceAll('$', '$$$$') : escaped}"`;
}

/** The unit file's text. */
export function systemdUnit(spec: ServiceSpec): string {
  const lines = [
    '[Unit]',
    'Description=tsdsr bridge (one-step diffusion upscaling for the Figma plugin and scripts)',
    `Documentation=${pathToFileURL(join(spec.entry, '..', '..', '..', 'docs', 'service.md')).href.replaceAll('%', '%%')}`,
    '',
    '[Service]',
    'Type=exec',
    `ExecStart=${commandLine(spec).map((word) => unitWord(word)).join(' ')}`,
    'ExecReload=/bin/kill -HUP $MAINPID',
    `Environment=${unitWord(`TSDSR_CONFIG_DIR=${spec.configDir}`, false)}`,
    'Restart=on-failure',
    'RestartSec=2',
    'NoNewPrivileges=yes',
    'PrivateTmp=yes',
    'ProtectSystem=strict',
    ...spec.writableDirs.map((dir) => `ReadWritePaths=${unitWord(dir, false)}`),
    ...(spec.settings.memoryMax === undefined ? [] : [`MemoryMax=${spec.settings.memoryMax}`]),
    `SyslogIdentifier=${SERVICE_NAME}`,
    '',
    '[Install]',
    'WantedBy=default.target',
  ];
  return `${lines.join('\n')}\n`;
}

/** The folder of the user's own units: $XDG_CONFIG_HOME/systemd/user, else ~/.config/systemd/user. */
export function userUnitDir(env: NodeJS.ProcessEnv, home: string): string {
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'systemd', 'user');
}

/** The systemd user manager. */
export function systemdManager(env: NodeJS.ProcessEnv, home: string): ServiceManager {
  const systemctl = (...args: string[]): string[] => ['systemctl', '--user', ...args];
  return {
    kind: 'systemd user unit',
    file: join(userUnitDir(env, home), UNIT),
    dirs: [],
    render: systemdUnit,
    probe: systemctl('show-environment'),
    install: [step(...systemctl('daemon-reload')), step(...systemctl('enable', '--now', UNIT))],
    uninstall: [tryStep(...systemctl('disable', '--now', UNIT))],
    afterUninstall: [tryStep(...systemctl('daemon-reload'))],
    start: [step(...systemctl('start', UNIT))],
    stop: [step(...systemctl('stop', UNIT))],
    restart: [step(...systemctl('restart', UNIT))],
    status: [step(...systemctl('status', '--no-pager', UNIT))],
    logs: (follow) => [step('journalctl', '--user', '-u', UNIT, '--no-pager', ...(follow ? ['-f'] : ['-n', '200']))],
    logsWhere: `the user journal (journalctl --user -u ${UNIT})`,
  };
}
