/** macOS: a LaunchAgent, `~/Library/LaunchAgents/tsdsr.bridge.plist`, loaded with `launchctl bootstrap gui/$UID`. */
import { join } from 'node:path';
import { step, tryStep, type ServiceManager } from './manager.ts';
import { LAUNCHD_LABEL, commandLine, type ServiceSpec } from './spec.ts';

/** Text escaped for XML character data. */
export function xmlText(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** The folder launchd's logs for the bridge go to: ~/Library/Logs/tsdsr. */
export function launchdLogDir(home: string): string {
  return join(home, 'Library', 'Logs', 'tsdsr');
}

/** The property list's text; `home` places the log files. */
export function launchdPlist(spec: ServiceSpec, home: string): string {
  const string = (value: string): string => `<string>${xmlText(value)}</string>`;
  const logs = launchdLogDir(home);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    '<dict>',
    `  <key>Label</key>${string(LAUNCHD_LABEL)}`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...commandLine(spec).map((word) => `    ${string(word)}`),
    '  </array>',
    '  <key>EnvironmentVariables</key>',
    `  <dict><key>TSDSR_CONFIG_DIR</key>${string(spec.configDir)}</dict>`,
    '  <key>RunAtLoad</key><true/>',
    '  <key>KeepAlive</key>',
    '  <dict><key>SuccessfulExit</key><false/></dict>',
    '  <key>ThrottleInterval</key><integer>5</integer>',
    '  <key>ExitTimeOut</key><integer>45</integer>',
    '  <key>ProcessType</key><string>Interactive</string>',
    `  <key>StandardOutPath</key>${string(join(logs, 'bridge.log'))}`,
    `  <key>StandardErrorPath</key>${string(join(logs, 'bridge.err.log'))}`,
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}

/** The launchd agent of user `uid`. */
export function launchdManager(home: string, uid: number): ServiceManager {
  const domain = `gui/${uid}`;
  const file = join(home, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`);
  const logs = launchdLogDir(home);
  return {
    kind: 'launchd agent',
    file,
    render: (spec) => launchdPlist(spec, home),
    probe: ['launchctl', 'print', domain],
    dirs: [logs],
    install: [step('launchctl', 'bootstrap', domain, file)],
    uninstall: [tryStep('launchctl', 'bootout', `${domain}/${LAUNCHD_LABEL}`)],
    afterUninstall: [],
    start: [tryStep('launchctl', 'bootstrap', domain, file), step('launchctl', 'kickstart', `${domain}/${LAUNCHD_LABEL}`)],
    stop: [step('launchctl', 'bootout', `${domain}/${LAUNCHD_LABEL}`)],
    restart: [tryStep('launchctl', 'bootstrap', domain, file), step('launchctl', 'kickstart', '-k', `${domain}/${LAUNCHD_LABEL}`)],
    status: [step('launchctl', 'print', `${domain}/${LAUNCHD_LABEL}`)],
    logs: (follow) => [step('tail', '-n', '200', ...(follow ? ['-f'] : []), join(logs, 'bridge.log'), join(logs, 'bridge.err.log'))],
    logsWhere: logs,
  };
}
