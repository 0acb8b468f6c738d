// `tsdsr worker` run as a user would: usage errors, and a real worker process serving a team bridge, stopped by SIGTERM.
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listWorkers, redisOptions } from '../../bridge-server/src/queue/redis/index.ts';
import { makePng, startBridge, tempConfigDir } from '../bridge/helpers.ts';
import { startRedis, type TestRedis } from '../bridge/redis-server.ts';
import { TestClient } from '../bridge/ws-client.ts';

const BIN = fileURLToPath(new URL('../../bridge-server/bin/tsdsr.js', import.meta.url));
let dir: string;
let cleanup: () => Promise<void>;
let redis: TestRedis;

beforeAll(async () => {
  ({ dir, cleanup } = await tempConfigDir());
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
  await cleanup();
});

function tsdsr(...args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, TSDSR_CONFIG_DIR: dir } }, (err, _stdout, stderr) => {
      resolve({ code: err ? Number(err.code ?? 1) : 0, stderr });
    });
  });
}

describe('tsdsr worker', () => {
  it.each([
    ['no --queue', ['worker'], '--queue redis://host:port/db is required'],
    ['a queue that is not Redis', ['worker', '--queue', 'http://127.0.0.1:6379'], 'must start with redis:// or rediss://'],
    ['a database that is not a number', ['worker', '--queue', 'redis://127.0.0.1:6379/x'], "the database must be a number, got 'x'"],
    ['serve with a bad queue', ['serve', '--queue', 'localhost:6379'], 'must start with redis://'],
  ])('exits 2 on %s', async (_name, args, message) => {
    const run = await tsdsr(...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it('tsdsr serve --queue exits 1 at start, naming the address, when Redis cannot be reached', async () => {
    const run = await tsdsr('serve', '--port', '0', '--device', 'cpu', '--queue', 'redis://:secret@127.0.0.1:1/0');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('the queue at redis://:***@127.0.0.1:1/0 cannot be reached: connect ECONNREFUSED');
  });

  it('registers its models, runs a team bridge job, and on SIGTERM exits 0 and unregisters', async () => {
    const child = spawn(process.execPath, [BIN, 'worker', '--queue', redis.url, '--device', 'cpu'], { env: { ...process.env, TSDSR_CONFIG_DIR: dir } });
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('device: cpu')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${stderr}`)));
    });
    expect(stderr).toContain('taking jobs from redis://127.0.0.1:');
    const client = new Redis(redisOptions(redis.url));
    const [registration] = await listWorkers(client);
    expect(registration).toMatchObject({ device: 'cpu', pid: child.pid, concurrency: 1 });
    expect(registration!.models).toEqual(expect.arrayContaining(['bicubic', 'nearest', 'tsdsr-fast']));
    const bridge = await startBridge({ queue: redis.url });
    const ws = await TestClient.paired(bridge.wsUrl, bridge.token);
    ws.upscale('one', await makePng(6, 5), { model: 'nearest', scale: 3 });
    expect(await ws.outcomes(1)).toMatchObject([{ id: 'one', ok: true, width: 18, height: 15 }]);
    ws.close();
    await bridge.app.close();
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(stderr).toMatch(/job \S+: nearest x3 → 18x15 in \d+ ms \(ws:/);
    expect(stderr).toContain('worker stopped');
    expect(await listWorkers(client)).toEqual([]);
    client.disconnect();
  });
});
