// `tsdsr service` against a fake service manager: what install writes and runs, its refusals (installed already, port taken,
// no service manager here), uninstall keeping the token unless --purge, and the control actions.
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceCommand } from '../../bridge-server/src/cli/service.ts';
import { UsageError } from '../../bridge-server/src/cli/args.ts';
import type { Exec, ServiceManager } from '../../bridge-server/src/service/index.ts';
import { systemdUnit } from '../../bridge-server/src/service/index.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsdsr-service-cli-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** A manager whose commands are recorded; `probe` fails when `absent`. */
function fakeManager(root: string): ServiceManager {
  const command = (name: string) => [{ argv: ['mgr', name] }];
  return {
    kind: 'fake unit', file: join(root, 'units', 'tsdsr.service'), dirs: [join(root, 'logs')], render: systemdUnit, probe: ['mgr', 'probe'],
    install: command('enable'), uninstall: [{ argv: ['mgr', 'disable'], mayFail: true }], afterUninstall: command('reload'),
    start: command('start'), stop: command('stop'), restart: command('restart'), status: command('status'),
    logs: (follow) => [{ argv: ['mgr', 'logs', ...(follow ? ['-f'] : [])] }], logsWhere: 'the fake journal',
  };
}

interface Run {
  code: number;
  out: string[];
  err: string[];
  commands: string[];
}

async function run(root: string, argv: string[], options: { absent?: boolean; statusCode?: number } = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const commands: string[] = [];
  const exec: Exec = async (args) => {
    commands.push(args.slice(1).join(' '));
    if (args[1] === 'probe' && options.absent) return { code: 1, output: 'Failed to connect to bus: No medium found' };
    return { code: args[1] === 'status' ? (options.statusCode ?? 0) : 0, output: '' };
  };
  const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), stderr: process.stderr, env: { TSDSR_CONFIG_DIR: join(root, 'config'), HOME: root } };
  const code = await serviceCommand(argv, io, { manager: fakeManager(root), exec });
  return { code, out, err, commands };
}

const freshRoot = async (name: string): Promise<string> => {
  const root = join(dir, name);
  await mkdir(root, { recursive: true });
  return root;
};

function listen(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address ? address.port : 0 });
    });
  });
}

describe('tsdsr service install', () => {
  it('writes the unit with the flags given, creates the folders and enables it', async () => {
    const root = await freshRoot('install');
    await mkdir(join(root, 'more models'));
    const result = await run(root, ['install', '--port', '18999', '--device', 'cpu', '--models', join(root, 'more models'), '--concurrency', '2', '--memory-max', '4G']);
    expect(result.code, result.err.join('\n')).toBe(0);
    expect(result.commands).toEqual(['probe', 'enable']);
    const unit = await readFile(join(root, 'units', 'tsdsr.service'), 'utf8');
    expect(unit).toContain('"--port" "18999" "--device" "cpu" "--models"');
    expect(unit).toContain('"--concurrency" "2" "--log-format" "json"');
    expect(unit).toContain('MemoryMax=4G');
    expect(unit).toContain(`Environment="TSDSR_CONFIG_DIR=${join(root, 'config')}"`);
    expect((await stat(join(root, 'logs'))).isDirectory()).toBe(true);
    expect((await stat(join(root, 'config'))).isDirectory()).toBe(true);
    expect(result.err.join('\n')).toContain('the fake journal');
  });

  it('refuses when already installed, and rewrites with --force', async () => {
    const root = await freshRoot('twice');
    expect((await run(root, ['install', '--port', '18998'])).code).toBe(0);
    const again = await run(root, ['install', '--port', '18997']);
    expect(again.code).toBe(1);
    expect(again.err.join('\n')).toMatch(/already installed .*tsdsr service uninstall.*--force/s);
    expect(await readFile(join(root, 'units', 'tsdsr.service'), 'utf8')).toContain('"18998"');
    const forced = await run(root, ['install', '--port', '18997', '--force']);
    expect(forced.code).toBe(0);
    expect(forced.commands).toEqual(['probe', 'disable', 'enable']);
    expect(await readFile(join(root, 'units', 'tsdsr.service'), 'utf8')).toContain('"18997"');
  });

  it('refuses when the port is taken, writing nothing', async () => {
    const root = await freshRoot('taken');
    const { server, port } = await listen();
    try {
      const result = await run(root, ['install', '--port', String(port)]);
      expect(result.code).toBe(1);
      expect(result.err.join('\n')).toContain(`port ${port} is already in use`);
      expect(result.commands).toEqual(['probe']);
      await expect(stat(join(root, 'units', 'tsdsr.service'))).rejects.toThrow();
    } finally {
      server.close();
    }
  });

  it('where the service manager is absent, says so and prints the command to run instead', async () => {
    const root = await freshRoot('absent');
    const result = await run(root, ['install', '--port', '18996'], { absent: true });
    expect(result.code).toBe(1);
    const text = result.err.join('\n');
    expect(text).toContain('no service manager for a fake unit is available here');
    expect(text).toContain('Failed to connect to bus');
    expect(text).toContain(`TSDSR_CONFIG_DIR=${join(root, 'config')} ${process.execPath} `);
    expect(text).toMatch(/bin\/tsdsr\.js serve --port 18996 --device auto --log-format json/);
    await expect(stat(join(root, 'units', 'tsdsr.service'))).rejects.toThrow();
  });

  it('checks its flags: directories must exist, sizes must read as sizes, install flags only on install', async () => {
    const root = await freshRoot('flags');
    await expect(run(root, ['install', '--models', join(root, 'missing')])).rejects.toThrow(UsageError);
    await expect(run(root, ['install', '--memory-max', 'lots'])).rejects.toThrow('--memory-max lots');
    await expect(run(root, ['start', '--port', '1'])).rejects.toThrow('--port does not apply to `service start`');
    await expect(run(root, ['reboot'])).rejects.toThrow("unknown action 'reboot'");
  });
});

describe('tsdsr service uninstall and control', () => {
  it('uninstall keeps the token and models, --purge deletes them', async () => {
    const root = await freshRoot('uninstall');
    expect((await run(root, ['install', '--port', '18995'])).code).toBe(0);
    await writeFile(join(root, 'config', 'token'), 'x'.repeat(43));
    await mkdir(join(root, 'config', 'models', 'mine'), { recursive: true });
    const kept = await run(root, ['uninstall']);
    expect(kept.code).toBe(0);
    expect(kept.commands).toEqual(['disable', 'reload']);
    await expect(stat(join(root, 'units', 'tsdsr.service'))).rejects.toThrow();
    expect((await stat(join(root, 'config', 'token'))).isFile()).toBe(true);
    expect(kept.err.join('\n')).toContain('--purge');
    expect((await run(root, ['uninstall'])).code).toBe(1);
    expect((await run(root, ['install', '--port', '18995'])).code).toBe(0);
    expect((await run(root, ['uninstall', '--purge'])).code).toBe(0);
    await expect(stat(join(root, 'config', 'token'))).rejects.toThrow();
    await expect(stat(join(root, 'config', 'models'))).rejects.toThrow();
  });

  it('start, stop, restart, status and logs run the manager’s commands once installed; status passes its exit code on', async () => {
    const root = await freshRoot('control');
    const before = await run(root, ['start']);
    expect(before.code).toBe(1);
    expect(before.err.join('\n')).toContain('not installed');
    expect((await run(root, ['install', '--port', '18994'])).code).toBe(0);
    for (const action of ['start', 'stop', 'restart']) expect((await run(root, [action])).commands).toEqual(['probe', action]);
    expect((await run(root, ['logs', '-f'])).commands).toEqual(['probe', 'logs -f']);
    expect((await run(root, ['status'], { statusCode: 3 })).code).toBe(3);
  });
});
