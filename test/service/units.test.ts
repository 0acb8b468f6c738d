// The service definitions: the systemd unit (checked by systemd-analyze), the launchd plist (parsed by plistlib), the Windows task
// XML, their contents for each flag, and the unit's ExecStart run as it stands until GET /v1/health answers.
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  commandLine, ENTRY_POINT, launchdPlist, scheduledTaskXml, serviceSpec, systemdUnit, type ServeSettings,
} from '../../bridge-server/src/service/index.ts';
import { SERVER_VERSION } from '../../bridge-server/src/paths.ts';

let dir: string;
beforeAll(async () => {
  // A space, a percent sign and a dollar sign in every path: each service manager's quoting is exercised.
  dir = await mkdtemp(join(tmpdir(), 'tsdsr service %n $HOME '));
  await mkdir(join(dir, 'extra models'));
  await mkdir(join(dir, 'train root'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const BASE: ServeSettings = { port: 8731, device: 'auto', modelDirs: [], trainRoots: [] };
const spec = (settings: Partial<ServeSettings> = {}) => serviceSpec({ ...BASE, ...settings }, join(dir, 'config'));

/** The words of a systemd command line: double quotes group, backslash escapes, `%%` is `%` and `$$` is `$`. */
function unitWords(line: string): string[] {
  const words: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const match of line.matchAll(pattern)) {
    const raw = match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2]!;
    words.push(raw.replaceAll('%%', '%').replaceAll('$$', '$'));
  }
  return words;
}

const unitValue = (unit: string, key: string): string[] => unit.split('\n').filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));

/** False where the checking tool is missing on a developer's machine; under CI (which installs it) a missing tool fails the test. */
const has = (command: string): boolean => Boolean(process.env.CI) || spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0;

describe('systemd user unit', () => {
  it('runs the absolute node and the package entry point with each flag, restarts on failure and is hardened', () => {
    const unit = systemdUnit(spec({
      port: 9000, device: 'cuda', modelDirs: [join(dir, 'extra models')], trainRoots: [join(dir, 'train root')], concurrency: 3, memoryMax: '6G',
    }));
    const [execStart] = unitValue(unit, 'ExecStart');
    expect(unitWords(execStart!)).toEqual([
      process.execPath, ENTRY_POINT, 'serve', '--port', '9000', '--device', 'cuda', '--models', join(dir, 'extra models'),
      '--train-root', join(dir, 'train root'), '--concurrency', '3', '--log-format', 'json',
    ]);
    expect(unitValue(unit, 'Environment').map(unitWords)).toEqual([[`TSDSR_CONFIG_DIR=${join(dir, 'config')}`]]);
    expect(unitValue(unit, 'ReadWritePaths').map(unitWords)).toEqual([[join(dir, 'config')]]);
    expect(unitValue(unit, 'MemoryMax')).toEqual(['6G']);
    for (const line of ['Restart=on-failure', 'NoNewPrivileges=yes', 'PrivateTmp=yes', 'ProtectSystem=strict', 'WantedBy=default.target', 'ExecReload=/bin/kill -HUP $MAINPID']) {
      expect(unit.split('\n')).toContain(line);
    }
  });

  it('leaves out what was not asked for: no MemoryMax, no --models, --train-root or --concurrency', () => {
    const unit = systemdUnit(spec());
    expect(unitValue(unit, 'MemoryMax')).toEqual([]);
    expect(unitWords(unitValue(unit, 'ExecStart')[0]!).slice(2)).toEqual(['serve', '--port', '8731', '--device', 'auto', '--log-format', 'json']);
  });

  it.skipIf(!has('systemd-analyze'))('passes systemd-analyze verify --user without a warning', async () => {
    const unitDir = join(dir, 'units');
    const runtimeDir = join(dir, 'runtime');
    await mkdir(unitDir, { recursive: true });
    await mkdir(runtimeDir, { recursive: true, mode: 0o700 });
    const path = join(unitDir, 'tsdsr.service');
    await writeFile(path, systemdUnit(spec({ modelDirs: [join(dir, 'extra models')], trainRoots: [join(dir, 'train root')], concurrency: 2, memoryMax: '50%' })));
    const result = spawnSync('systemd-analyze', ['--user', 'verify', path], { encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: runtimeDir } });
    expect(`${result.stdout}${result.stderr}`.trim()).toBe('');
    expect(result.status).toBe(0);
    // The check has teeth: a unit whose ExecStart cannot run fails it.
    await writeFile(path, systemdUnit({ ...spec(), node: join(dir, 'no-such-node') }));
    const broken = spawnSync('systemd-analyze', ['--user', 'verify', path], { encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: runtimeDir } });
    expect(`${broken.stdout}${broken.stderr}`).toContain('no-such-node');
  });
});

describe('launchd agent plist', () => {
  it.skipIf(!has('python3'))('parses with plistlib and holds the command line, environment, KeepAlive, RunAtLoad and log paths', async () => {
    const s = spec({ port: 9100, device: 'webgpu', modelDirs: [join(dir, 'extra models')], trainRoots: [join(dir, 'train root')], concurrency: 2 });
    const path = join(dir, 'tsdsr.bridge.plist');
    await writeFile(path, launchdPlist(s, '/Users/designer & co'));
    const parsed = spawnSync('python3', ['-c', 'import json, plistlib, sys; print(json.dumps(plistlib.load(open(sys.argv[1], "rb"))))', path], { encoding: 'utf8' });
    expect(parsed.stderr).toBe('');
    const plist = JSON.parse(parsed.stdout) as Record<string, unknown>;
    expect(plist).toEqual({
      Label: 'tsdsr.bridge',
      ProgramArguments: commandLine(s),
      EnvironmentVariables: { TSDSR_CONFIG_DIR: join(dir, 'config') },
      RunAtLoad: true,
      KeepAlive: { SuccessfulExit: false },
      ThrottleInterval: 5,
      ExitTimeOut: 45,
      ProcessType: 'Interactive',
      StandardOutPath: '/Users/designer & co/Library/Logs/tsdsr/bridge.log',
      StandardErrorPath: '/Users/designer & co/Library/Logs/tsdsr/bridge.err.log',
    });
    expect(plist.ProgramArguments).toEqual(expect.arrayContaining(['--port', '9100', '--device', 'webgpu', '--models', join(dir, 'extra models'), '--train-root', join(dir, 'train root'), '--concurrency', '2']));
  });
});

describe('Windows scheduled task', () => {
  it.skipIf(!has('python3'))('is well-formed Task Scheduler XML: a logon trigger for the user, restart on failure, cmd running node with the log appended', async () => {
    const s = spec({ port: 9200, device: 'cpu' });
    const path = join(dir, 'task.xml');
    await writeFile(path, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(scheduledTaskXml(s, 'OFFICE\\ana', 'C:\\Users\\ana\\AppData\\Local\\tsdsr\\logs\\bridge.log'), 'utf16le')]));
    const script = [
      'import json, sys, xml.etree.ElementTree as ET',
      'ns = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}',
      'root = ET.parse(sys.argv[1]).getroot()',
      'get = lambda p: root.find(p, ns).text',
      'print(json.dumps({"user": get("t:Triggers/t:LogonTrigger/t:UserId"), "command": get("t:Actions/t:Exec/t:Command"), "arguments": get("t:Actions/t:Exec/t:Arguments"), "restarts": get("t:Settings/t:RestartOnFailure/t:Count"), "limit": get("t:Settings/t:ExecutionTimeLimit")}))',
    ].join('\n');
    const parsed = spawnSync('python3', ['-c', script, path], { encoding: 'utf8' });
    expect(parsed.stderr).toBe('');
    const task = JSON.parse(parsed.stdout) as Record<string, string>;
    expect(task).toMatchObject({ user: 'OFFICE\\ana', command: 'cmd.exe', restarts: '999', limit: 'PT0S' });
    expect(task.arguments).toBe(`/d /s /c "set "TSDSR_CONFIG_DIR=${join(dir, 'config')}" && ${commandLine(s).map((w) => `"${w}"`).join(' ')} >> "C:\\Users\\ana\\AppData\\Local\\tsdsr\\logs\\bridge.log" 2>&1"`);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe("the unit's ExecStart", () => {
  it('runs on this machine as written: the bridge answers GET /v1/health and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const unit = systemdUnit(spec({ port, device: 'cpu', modelDirs: [join(dir, 'extra models')] }));
    const [command, ...args] = unitWords(unitValue(unit, 'ExecStart')[0]!);
    const env = Object.fromEntries(unitValue(unit, 'Environment').map((e) => unitWords(e)[0]!.split(/=(.*)/s).slice(0, 2)));
    const child = spawn(command!, args, { env: { PATH: '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      let health: unknown;
      for (let i = 0; i < 300 && health === undefined && child.exitCode === null; i++) {
        health = await fetch(`http://127.0.0.1:${port}/v1/health`).then((r) => r.json(), () => undefined);
        if (health === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(health, output).toEqual({ status: 'ok', server: { name: 'tsdsr', version: SERVER_VERSION }, protocol: 1 });
      // --log-format json: every line on stdout is a JSON object.
      const lines = output.split('\n').filter((l) => l.startsWith('{'));
      expect(lines.some((l) => (JSON.parse(l) as { msg: string }).msg.startsWith('tsdsr bridge listening on'))).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
