// A serving process as a service manager sees it: SIGHUP picks up a model copied in without dropping a connection, a second
// instance on the same port fails with a clear message and exit code 1, `tsdsr status` reads it, and --log-format is checked.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusCommand } from '../../bridge-server/src/cli/status.ts';
import { ENTRY_POINT } from '../../bridge-server/src/service/index.ts';
import { ZOO_DIR } from '../../bridge-server/src/paths.ts';
import { makePng } from '../bridge/helpers.ts';
import { TestClient } from '../bridge/ws-client.ts';

let dir: string;
let port: number;
let bridge: ChildProcessWithoutNullStreams;
let output = '';
const env = (): NodeJS.ProcessEnv => ({ ...process.env, TSDSR_CONFIG_DIR: join(dir, 'config') });

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function serve(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [ENTRY_POINT, 'serve', '--port', String(port), '--device', 'cpu', ...args], { env: env() });
}

const exitOf = (child: ChildProcessWithoutNullStreams): Promise<number | null> => new Promise((resolve) => {
  if (child.exitCode !== null) resolve(child.exitCode);
  else child.once('exit', (code) => resolve(code));
});

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gave up waiting for ${what}; output:\n${output}`);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsdsr-lifecycle-'));
  port = await freePort();
  bridge = serve(['--models', dir, '--log-format', 'json']);
  bridge.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  bridge.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await until('the bridge to listen', () => output.includes('tsdsr bridge listening'));
});
afterAll(async () => {
  bridge.kill('SIGTERM');
  await exitOf(bridge);
  await rm(dir, { recursive: true, force: true });
});

const token = async (): Promise<string> => (await readFile(join(dir, 'config', 'token'), 'utf8')).trim();

async function healthModels(): Promise<string[]> {
  const response = await fetch(`http://127.0.0.1:${port}/v1/health`, { headers: { authorization: `Bearer ${await token()}` } });
  return ((await response.json()) as { models: { id: string }[] }).models.map((m) => m.id);
}

describe('a serving bridge', () => {
  it('on SIGHUP rescans the model folders: a model copied in is listed, and an open WebSocket keeps working', async () => {
    const client = await TestClient.paired(`ws://127.0.0.1:${port}/v1/ws`, await token());
    expect(await healthModels()).not.toContain('copied-in');
    const copy = join(dir, 'copied-in');
    await cp(join(ZOO_DIR, 'bicubic'), copy, { recursive: true });
    const manifest = JSON.parse(await readFile(join(copy, 'model.json'), 'utf8')) as { id: string };
    await writeFile(join(copy, 'model.json'), JSON.stringify({ ...manifest, id: 'copied-in' }));
    bridge.kill('SIGHUP');
    await until('the rescan', () => output.includes('SIGHUP: rescanned the model folders'));
    expect(await healthModels()).toContain('copied-in');
    client.upscale('after-hup', await makePng(6, 6), { model: 'copied-in', scale: 2 });
    expect((await client.outcomes(1))[0]).toMatchObject({ id: 'after-hup', ok: true, width: 12, height: 12 });
    client.close();
  });

  it('a second instance on the same port exits 1 saying the port is in use', async () => {
    const second = serve([]);
    let stderr = '';
    second.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await exitOf(second)).toBe(1);
    expect(stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
  });

  it('`tsdsr status` prints version, uptime, device, models and queue; it exits 1 where no bridge runs', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), stderr: process.stderr, env: env() };
    expect(await statusCommand(['--port', String(port)], io)).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(new RegExp(`tsdsr bridge \\S+ running on port ${port} \\(protocol 1\\), up \\d+`));
    expect(text).toContain('device: cpu');
    expect(text).toMatch(/models: .*bicubic \(sha256:[0-9a-f]{12}\)/);
    expect(text).toContain('queue: 0 running, 0 waiting');
    expect(text).toContain('last error: none');
    expect(await statusCommand(['--port', String(await freePort())], io)).toBe(1);
    expect(err.join('\n')).toContain('no bridge is running on port');
    const otherConfig = join(dir, 'other-config');
    await mkdir(otherConfig);
    await writeFile(join(otherConfig, 'token'), 'A'.repeat(43));
    expect(await statusCommand(['--port', String(port)], { ...io, env: { TSDSR_CONFIG_DIR: otherConfig } })).toBe(1);
    expect(err.join('\n')).toContain("refused this machine's pairing token");
  });

  it('refuses an unknown --log-format as a usage error', async () => {
    const child = serve(['--log-format', 'xml']);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await exitOf(child)).toBe(2);
    expect(stderr).toContain('--log-format xml: use pretty or json');
  });
});
