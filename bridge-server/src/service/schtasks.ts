/** Windows: a per-user scheduled task started at logon, registered with `schtasks /Create /XML`; logs in %LOCALAPPDATA%\tsdsr\logs. */
import { win32 } from 'node:path';
import { xmlText } from './launchd.ts';
import { step, tryStep, type ServiceManager } from './manager.ts';
import { SERVICE_NAME, commandLine, type ServiceSpec } from './spec.ts';

/** %LOCALAPPDATA%\tsdsr: the task definition and the logs folder. */
export function windowsDataDir(env: NodeJS.ProcessEnv, home: string): string {
  return win32.join(env.LOCALAPPDATA || win32.join(home, 'AppData', 'Local'), 'tsdsr');
}

/** The `cmd.exe` arguments that run the bridge with its configuration folder set and its output appended to the log. */
export function taskArguments(spec: ServiceSpec, log: string): string {
  const quoted = commandLine(spec).map((word) => `"${word}"`).join(' ');
  return `/d /s /c "set "TSDSR_CONFIG_DIR=${spec.configDir}" && ${quoted} >> "${log}" 2>&1"`;
}

/** The task definition (Task Scheduler XML) as text; `user` is DOMAIN\name. */
export function scheduledTaskXml(spec: ServiceSpec, user: string, log: string): string {
  const user_ = xmlText(user);
  return [
    '<?xml version="1.0" encoding="UTF-16"?>',
    '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">',
    '  <RegistrationInfo>',
    '    <Description>tsdsr bridge (one-step diffusion upscaling for the Figma plugin and scripts)</Description>',
    `    <URI>\\${SERVICE_NAME}</URI>`,
    '  </RegistrationInfo>',
    `  <Triggers><LogonTrigger><Enabled>true</Enabled><UserId>${user_}</UserId></LogonTrigger></Triggers>`,
    `  <Principals><Principal id="Author"><UserId>${user_}</UserId><LogonType>InteractiveToken</LogonType><RunLevel>LeastPrivilege</RunLevel></Principal></Principals>`,
    '  <Settings>',
    '    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>',
    '    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>',
    '    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>',
    '    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>',
    '    <RestartOnFailure><Interval>PT1M</Interval><Count>999</Count></RestartOnFailure>',
    '    <Hidden>true</Hidden>',
    '    <Enabled>true</Enabled>',
    '  </Settings>',
    '  <Actions Context="Author">',
    `    <Exec><Command>cmd.exe</Command><Arguments>${xmlText(taskArguments(spec, log))}</Arguments></Exec>`,
    '  </Actions>',
    '</Task>',
    '',
  ].join('\r\n');
}

/** UTF-16 little-endian with a byte-order mark, the encoding Task Scheduler writes and reads. */
function utf16(text: string): Uint8Array {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
}

/** The scheduled task of the user named in the environment. */
export function schtasksManager(env: NodeJS.ProcessEnv, home: string): ServiceManager {
  const dir = windowsDataDir(env, home);
  const logs = win32.join(dir, 'logs');
  const log = win32.join(logs, 'bridge.log');
  const file = win32.join(dir, `${SERVICE_NAME}-task.xml`);
  const user = env.USERDOMAIN ? `${env.USERDOMAIN}\\${env.USERNAME ?? ''}` : (env.USERNAME ?? '');
  const schtasks = (...args: string[]): string[] => ['schtasks', ...args];
  return {
    kind: 'scheduled task',
    file,
    dirs: [logs],
    render: (spec) => utf16(scheduledTaskXml(spec, user, log)),
    probe: schtasks('/Query', '/FO', 'LIST'),
    install: [step(...schtasks('/Create', '/TN', SERVICE_NAME, '/XML', file, '/F')), step(...schtasks('/Run', '/TN', SERVICE_NAME))],
    uninstall: [tryStep(...schtasks('/End', '/TN', SERVICE_NAME)), step(...schtasks('/Delete', '/TN', SERVICE_NAME, '/F'))],
    afterUninstall: [],
    start: [step(...schtasks('/Run', '/TN', SERVICE_NAME))],
    stop: [step(...schtasks('/End', '/TN', SERVICE_NAME))],
    restart: [tryStep(...schtasks('/End', '/TN', SERVICE_NAME)), step(...schtasks('/Run', '/TN', SERVICE_NAME))],
    status: [step(...schtasks('/Query', '/TN', SERVICE_NAME, '/V', '/FO', 'LIST'))],
    logs: (follow) => [step('powershell', '-NoProfile', '-Command', `Get-Content -Tail 200${follow ? ' -Wait' : ''} -LiteralPath '${log.replaceAll("'", "''")}'`)],
    logsWhere: logs,
  };
}
