// Token rotation, graceful shutdown (SIGTERM drain) and a SIGKILL during a token write.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateToken, readToken, rotateToken } from '../../bridge-server/src/auth/token.ts';
import { tokenCommand } from '../../bridge-server/src/cli/token.ts';
import { makePng, gatedRuntime, startBridge, tempConfigDir } from './helpers.ts';
import { TestClient } from './ws-client.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempConfigDir());
});
afterAll(async () => cleanup());

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

function runFixture(name: string, args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', fixture(name), ...args], { env: { ...process.env } });
}

function firstLine(child: ChildProcessWithoutNullStreams): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdout.on('data', (chunk) => {
      text += chunk;
      if (text.includes('\n')) resolve(text.split('\n')[0]!);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before printing: ${stderr}`)));
  });
}

const exitOf = (child: ChildProcessWithoutNullStreams): Promise<number | null> => new Promise((resolve) => {
  if (child.exitCode !== null) resolve(child.exitCode);
  else child.once('exit', (code) => resolve(code));
});

describe('tsdsr token --rotate', () => {
  it('refuses the old token at once, closes paired sessions with 4401 and a clear message, and accepts the new one', async () => {
    const configDir = join(dir, 'rotate');
    const bridge = await startBridge({ configDir, token: undefined });
    const old = (await loadOrCreateToken(join(configDir, 'token'))).token;
    const client = await TestClient.paired(bridge.wsUrl, old);
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(`err: ${l}`), stderr: process.stderr, env: { TSDSR_CONFIG_DIR: configDir } };
    expect(await tokenCommand(['--rotate', '--port', new URL(bridge.httpUrl).port], io)).toBe(0);
    const fresh = lines.find((l) => !l.startsWith('err: '))!;
    expect(fresh).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(fresh).not.toBe(old);
    expect(lines.join('\n')).toContain('now accepts only the new token');
    expect(await readToken(join(configDir, 'token'))).toBe(fresh);
    const auth = (token: string) => ({ url: '/v1/models', headers: { authorization: `Bearer ${token}` } });
    expect((await bridge.app.inject(auth(old))).statusCode).toBe(401);
    expect((await bridge.app.inject(auth(fresh))).statusCode).toBe(200);
    const message = await client.nextMessage();
    expect(message).toMatchObject({ type: 'error', code: 'unauthorized' });
    expect(message.type === 'error' && message.message).toContain('tsdsr token --rotate');
    expect((await client.closed()).code).toBe(4401);
    const again = await TestClient.connect(bridge.wsUrl);
    expect(await again.hello(old)).toMatchObject({ type: 'error', code: 'unauthorized' });
    (await TestClient.paired(bridge.wsUrl, fresh)).close();
    await bridge.app.close();
  });

  it('picks up a token file replaced behind its back (no bridge told) within moments', async () => {
    const configDir = join(dir, 'watch');
    const bridge = await startBridge({ configDir, token: undefined });
    const old = (await loadOrCreateToken(join(configDir, 'token'))).token;
    const fresh = await rotateToken(join(configDir, 'token'));
    let status = 200;
    for (let i = 0; i < 100 && status === 200; i++) {
      status = (await bridge.app.inject({ url: '/v1/models', headers: { authorization: `Bearer ${old}` } })).statusCode;
      if (status === 200) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).toBe(401);
    expect((await bridge.app.inject({ url: '/v1/models', headers: { authorization: `Bearer ${fresh}` } })).statusCode).toBe(200);
    await bridge.app.close();
  });

  it('says when no bridge answered, and refuses --port without --rotate', async () => {
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l), stderr: process.stderr, env: { TSDSR_CONFIG_DIR: join(dir, 'alone') } };
    expect(await tokenCommand(['--rotate', '--port', '1'], io)).toBe(0);
    expect(lines.join('\n')).toContain('no bridge answered on port 1');
    await expect(tokenCommand(['--port', '1'], io)).rejects.toThrow('--port is used with --rotate only');
  });
});

describe('graceful shutdown', () => {
  it('drains: queued jobs answered unavailable at once, the running one finishes, new jobs refused', async () => {
    const { runtime, gate } = gatedRuntime(2);
    const bridge = await startBridge({ runtime, configDir: join(dir, 'drain') });
    const client = await TestClient.paired(bridge.wsUrl, bridge.token);
    client.upscale('running', await makePng(6, 6), { scale: 2 });
    client.upscale('queued', await makePng(7, 7), { scale: 2 });
    expect(await client.nextMessage()).toMatchObject({ type: 'accepted', id: 'running' });
    expect(await client.nextMessage()).toMatchObject({ type: 'accepted', id: 'queued' });
    gate.release();
    expect(await client.nextMessage()).toMatchObject({ type: 'progress', id: 'running', tilesDone: 1 });
    const drained = bridge.app.jobs.drain(10_000);
    expect(await client.nextMessage()).toMatchObject({ type: 'error', id: 'queued', code: 'unavailable' });
    client.upscale('late', await makePng(5, 5), { scale: 2 });
    expect(await client.nextMessage()).toMatchObject({ type: 'error', id: 'late', code: 'unavailable' });
    gate.open();
    const [outcome] = await client.outcomes(1);
    expect(outcome).toMatchObject({ id: 'running', ok: true, width: 12, height: 12 });
    expect(await drained).toEqual({ finished: 1, stopped: 0, unqueued: 1 });
    await bridge.app.close();
  });

  it('stops a job still running when the drain timeout ends, answering unavailable', async () => {
    const { runtime } = gatedRuntime(2);
    const bridge = await startBridge({ runtime, configDir: join(dir, 'drain-timeout') });
    const client = await TestClient.paired(bridge.wsUrl, bridge.token);
    client.upscale('stuck', await makePng(6, 6), { scale: 2 });
    expect(await client.nextMessage()).toMatchObject({ type: 'accepted', id: 'stuck' });
    expect(await bridge.app.jobs.drain(50)).toEqual({ finished: 0, stopped: 1, unqueued: 0 });
    expect(await client.nextMessage()).toMatchObject({ type: 'error', id: 'stuck', code: 'unavailable' });
    await bridge.app.close();
  });

  it('on SIGTERM mid-job, a serving process delivers the running job, answers the queued one and exits 0', async () => {
    const child = runFixture('serve-gated.ts', ['20000']);
    const { wsUrl, token } = JSON.parse(await firstLine(child)) as { wsUrl: string; token: string };
    const client = await TestClient.paired(wsUrl, token);
    client.upscale('first', await makePng(8, 8), { scale: 2 });
    client.upscale('second', await makePng(9, 9), { scale: 2 });
    for (;;) {
      const message = await client.nextMessage();
      if (message.type === 'progress') break;
    }
    child.kill('SIGTERM');
    const outcomes = await client.outcomes(2);
    expect(outcomes.find((o) => o.id === 'first')).toMatchObject({ ok: true, width: 16, height: 16 });
    expect(outcomes.find((o) => o.id === 'second')).toMatchObject({ ok: false, code: 'unavailable' });
    expect(await exitOf(child)).toBe(0);
    expect((await client.closed()).code).toBe(1001);
  });
});

describe('SIGKILL during a token write', () => {
  it('leaves the old token or the new one, whole, and the next start cleans up the temporary files', async () => {
    for (const mode of ['rotate', 'create']) {
      for (let round = 0; round < 3; round++) {
        const configDir = join(dir, `kill-${mode}-${round}`);
        const path = join(configDir, 'token');
        if (mode === 'rotate') await loadOrCreateToken(path);
        const child = runFixture('rotate-forever.ts', [path, mode]);
        await firstLine(child);
        await new Promise((resolve) => setTimeout(resolve, 20 + round * 37));
        child.kill('SIGKILL');
        await exitOf(child);
        const token = await readToken(path);
        if (mode === 'rotate' || token !== undefined) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
        const loaded = await loadOrCreateToken(path);
        expect(loaded.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect((await readdir(configDir)).filter((name) => name.endsWith('.partial'))).toEqual([]);
        await rm(configDir, { recursive: true, force: true });
      }
    }
  });
});
