// User tokens on a team bridge (`--queue redis://…` with a worker on a real redis-server): a user's job runs through
// the queue, and a revoked token is refused at once, its open session closed, other users untouched.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateToken } from '../../bridge-server/src/auth/token.ts';
import { addUser } from '../../bridge-server/src/auth/users.ts';
import type { CliIO } from '../../bridge-server/src/cli/io.ts';
import { tokenCommand } from '../../bridge-server/src/cli/token.ts';
import { tokenPath, ZOO_DIR } from '../../bridge-server/src/paths.ts';
import { UpscaleWorker } from '../../bridge-server/src/queue/redis/index.ts';
import { ModelRegistry } from '../../bridge-server/src/registry.ts';
import { nodeRuntime } from '../../bridge-server/src/runtime.ts';
import { makePng, startBridge, tempConfigDir, type RunningBridge } from './helpers.ts';
import { startRedis, type TestRedis } from './redis-server.ts';
import { TestClient } from './ws-client.ts';

let redis: TestRedis;
let cleanup: () => Promise<void>;
let dir: string;
let bridge: RunningBridge;
let worker: UpscaleWorker;
let pairing: string;
const users: Record<string, string> = {};

beforeAll(async () => {
  redis = await startRedis();
  ({ dir, cleanup } = await tempConfigDir());
  for (const name of ['alice', 'bob']) users[name] = await addUser(join(dir, 'users.json'), name);
  ({ token: pairing } = await loadOrCreateToken(tokenPath(dir)));
  bridge = await startBridge({ configDir: dir, token: undefined, queue: redis.url });
  const registry = await ModelRegistry.scan([ZOO_DIR], nodeRuntime);
  worker = await UpscaleWorker.start({ url: redis.url, registry, runtime: nodeRuntime, device: 'cpu' });
});

afterAll(async () => {
  await worker?.close(true);
  await bridge?.app.close();
  await redis?.stop();
  await cleanup?.();
});

async function restStatus(token: string, png: Buffer): Promise<number> {
  const response = await fetch(`${bridge.httpUrl}/v1/upscale?model=bicubic&scale=2`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'image/png' }, body: new Uint8Array(png),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('user tokens on a team bridge', () => {
  it('run a user\'s jobs through Redis, and refuse a revoked token at once, closing its session', async () => {
    const png = await makePng(6, 5);
    const alice = await TestClient.paired(bridge.wsUrl, users.alice!);
    const bob = await TestClient.paired(bridge.wsUrl, users.bob!);
    alice.upscale('a', png);
    expect(await alice.outcomes(1)).toMatchObject([{ id: 'a', ok: true, width: 12, height: 10 }]);
    expect(await restStatus(users.alice!, png)).toBe(200);

    const io: CliIO = { out: () => {}, err: () => {}, stderr: process.stderr, env: { TSDSR_CONFIG_DIR: dir } };
    expect(await tokenCommand(['revoke', 'alice', '--port', new URL(bridge.httpUrl).port], io)).toBe(0);
    expect(await restStatus(users.alice!, png)).toBe(401);
    expect((await alice.closed()).code).toBe(4401);

    bob.upscale('b', png);
    expect(await bob.outcomes(1)).toMatchObject([{ id: 'b', ok: true }]);
    expect(await restStatus(pairing, png)).toBe(200);
    bob.close();
  });
});
