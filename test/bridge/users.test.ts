// Named user tokens on a shared bridge: accepted wherever the pairing token is, refused at once when revoked (their
// WebSocket sessions closed), fairness by user rather than by connection, a per-user rate limit, and no token in any log line.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateToken } from '../../bridge-server/src/auth/token.ts';
import { addUser, revokeUser, tokenHash } from '../../bridge-server/src/auth/users.ts';
import type { BridgeOptions } from '../../bridge-server/src/app.ts';
import type { CliIO } from '../../bridge-server/src/cli/io.ts';
import { tokenCommand } from '../../bridge-server/src/cli/token.ts';
import { jsonLogger } from '../../bridge-server/src/observe/index.ts';
import { tokenPath } from '../../bridge-server/src/paths.ts';
import type { ServerMessage } from '../../bridge-server/src/protocol/index.ts';
import { gatedRuntime, makePng, startBridge, tempConfigDir, type RunningBridge } from './helpers.ts';
import { TestClient } from './ws-client.ts';

interface SharedBridge extends RunningBridge {
  dir: string;
  /** The pairing token in the configuration folder (the bridge reads it from there). */
  pairing: string;
  port: number;
  alice: string;
  bob: string;
}

const opened: { bridge: RunningBridge; cleanup: () => Promise<void> }[] = [];
const clients: TestClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const { bridge, cleanup } of opened.splice(0)) {
    await bridge.app.close();
    await cleanup();
  }
});

/** A bridge reading its pairing token and users from a fresh configuration folder, with users alice and bob. */
async function sharedBridge(options: BridgeOptions = {}): Promise<SharedBridge> {
  const { dir, cleanup } = await tempConfigDir();
  const users = join(dir, 'users.json');
  const alice = await addUser(users, 'alice');
  const bob = await addUser(users, 'bob');
  const { token: pairing } = await loadOrCreateToken(tokenPath(dir));
  const bridge = await startBridge({ configDir: dir, token: undefined, ...options });
  opened.push({ bridge, cleanup });
  return { ...bridge, dir, pairing, port: Number(new URL(bridge.httpUrl).port), alice, bob };
}

async function paired(bridge: RunningBridge, token: string): Promise<TestClient> {
  const client = await TestClient.paired(bridge.wsUrl, token);
  clients.push(client);
  return client;
}

/** The token with its last character changed: a near miss. */
const altered = (token: string): string => `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

async function restUpscale(bridge: RunningBridge, token: string, png: Buffer): Promise<Response> {
  const response = await fetch(`${bridge.httpUrl}/v1/upscale?model=bicubic&scale=2`, {
    method: 'POST', headers: { ...bearer(token), 'content-type': 'image/png' }, body: new Uint8Array(png),
  });
  await response.arrayBuffer();
  return response;
}

/** Runs `tsdsr token <argv>` against the bridge's configuration folder and port. */
async function tokenCli(bridge: SharedBridge, ...argv: string[]): Promise<number> {
  const io: CliIO = { out: () => {}, err: () => {}, stderr: process.stderr, env: { TSDSR_CONFIG_DIR: bridge.dir } };
  return tokenCommand([...argv, '--port', String(bridge.port)], io);
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('condition never became true');
}

async function nextOfType<T extends ServerMessage['type']>(client: TestClient, type: T): Promise<Extract<ServerMessage, { type: T }>> {
  for (;;) {
    const message = await client.nextMessage();
    if (message.type === type) return message as Extract<ServerMessage, { type: T }>;
  }
}

describe('user tokens', () => {
  it('are accepted on REST, WebSocket, the detailed health and metrics, beside the pairing token', async () => {
    const bridge = await sharedBridge();
    const png = await makePng(6, 5);
    for (const token of [bridge.alice, bridge.pairing]) {
      expect((await restUpscale(bridge, token, png)).status).toBe(200);
      const health = await fetch(`${bridge.httpUrl}/v1/health`, { headers: bearer(token) }).then((r) => r.json()) as { uptimeSeconds?: number };
      expect(health.uptimeSeconds).toEqual(expect.any(Number));
      expect((await fetch(`${bridge.httpUrl}/v1/metrics`, { headers: bearer(token) })).status).toBe(200);
      const client = await paired(bridge, token);
      client.upscale('j', png);
      expect(await client.outcomes(1)).toMatchObject([{ id: 'j', ok: true, width: 12, height: 10 }]);
    }
    expect((await restUpscale(bridge, altered(bridge.alice), png)).status).toBe(401);
  });

  it('are refused at once when revoked: REST answers 401 and the user\'s open session is closed, others stay', async () => {
    const bridge = await sharedBridge();
    const png = await makePng(6, 5);
    const alice = await paired(bridge, bridge.alice);
    const bob = await paired(bridge, bridge.bob);
    const owner = await paired(bridge, bridge.pairing);
    expect(await tokenCli(bridge, 'revoke', 'alice')).toBe(0);
    expect((await restUpscale(bridge, bridge.alice, png)).status).toBe(401);
    const error = await nextOfType(alice, 'error');
    expect(error.code).toBe('unauthorized');
    expect((await alice.closed()).code).toBe(4401);
    const again = await TestClient.connect(bridge.wsUrl);
    clients.push(again);
    expect(await again.hello(bridge.alice)).toMatchObject({ type: 'error', code: 'unauthorized' });
    for (const [client, token] of [[bob, bridge.bob], [owner, bridge.pairing]] as const) {
      client.upscale('still', png);
      expect(await client.outcomes(1)).toMatchObject([{ id: 'still', ok: true }]);
      expect((await restUpscale(bridge, token, png)).status).toBe(200);
    }
  });

  it('are picked up from the users file by themselves: added and revoked without telling the bridge', async () => {
    const bridge = await sharedBridge();
    const png = await makePng(6, 5);
    const carol = await addUser(join(bridge.dir, 'users.json'), 'carol');
    await until(async () => (await restUpscale(bridge, carol, png)).status === 200);
    const session = await paired(bridge, carol);
    await revokeUser(join(bridge.dir, 'users.json'), 'carol');
    expect((await session.closed()).code).toBe(4401);
    expect((await restUpscale(bridge, carol, png)).status).toBe(401);
  });
});

describe('tsdsr token list on a running bridge', () => {
  it('tells when each user was last seen, and never for a user who was not', async () => {
    const bridge = await sharedBridge();
    expect((await fetch(`${bridge.httpUrl}/v1/models`, { headers: bearer(bridge.alice) })).status).toBe(200);
    await bridge.app.tokens.close();
    const out: string[] = [];
    const io: CliIO = { out: (l) => void out.push(l), err: () => {}, stderr: process.stderr, env: { TSDSR_CONFIG_DIR: bridge.dir } };
    expect(await tokenCommand(['list'], io)).toBe(0);
    expect(out.find((line) => line.startsWith('alice '))).toMatch(/^alice\s+\S+\s+\d{4}-\d\d-\d\dT\S+$/);
    expect(out.find((line) => line.startsWith('bob '))).toMatch(/\snever$/);
  });
});

describe('a users file that cannot be read', () => {
  it('accepts no user token until it is fixed, the pairing token meanwhile', async () => {
    // Polling with a refused token must not run into the wrong-token lockout.
    const bridge = await sharedBridge({ authThrottle: { failuresBeforeDelay: 1_000, failuresBeforeLockout: 1_000 } });
    const png = await makePng(6, 5);
    const path = join(bridge.dir, 'users.json');
    const good = await readFile(path, 'utf8');
    await writeFile(path, '{ "version": 1, "users": [');
    await until(async () => (await restUpscale(bridge, bridge.alice, png)).status === 401);
    expect((await restUpscale(bridge, bridge.pairing, png)).status).toBe(200);
    await writeFile(path, good);
    await until(async () => (await restUpscale(bridge, bridge.alice, png)).status === 200);
  });
});

describe('fairness by user', () => {
  it('gives a user with two connections no more turns than a user with one', async () => {
    const { runtime, gate, started } = gatedRuntime();
    const bridge = await sharedBridge({ runtime });
    const [a1, a2, b] = [await paired(bridge, bridge.alice), await paired(bridge, bridge.alice), await paired(bridge, bridge.bob)];
    for (let i = 0; i < 3; i++) a1.upscale(`${i}`, await makePng(20 + i, 4));
    await until(async () => started.length === 1);
    // The same job ids on alice's second connection: ids are per connection even though the queue turn is per user.
    for (let i = 0; i < 3; i++) a2.upscale(`${i}`, await makePng(23 + i, 4));
    for (let i = 0; i < 3; i++) b.upscale(`${i}`, await makePng(40 + i, 4));
    for (const client of [a1, a1, a1, a2, a2, a2, b, b, b]) await nextOfType(client, 'accepted');
    gate.open();
    await Promise.all([a1.outcomes(3), a2.outcomes(3), b.outcomes(3)]);
    expect(started).toEqual(['20x4', '40x4', '21x4', '41x4', '22x4', '42x4', '23x4', '24x4', '25x4']);
  });

  it('cancels only the closing connection\'s jobs, not those of the same user\'s other connection', async () => {
    const { runtime, gate, started } = gatedRuntime();
    const bridge = await sharedBridge({ runtime });
    const [a1, a2] = [await paired(bridge, bridge.alice), await paired(bridge, bridge.alice)];
    a1.upscale('x', await makePng(20, 4));
    await until(async () => started.length === 1);
    a2.upscale('x', await makePng(30, 4));
    await nextOfType(a2, 'accepted');
    a1.close();
    await a1.closed();
    gate.open();
    expect(await a2.outcomes(1)).toMatchObject([{ id: 'x', ok: true, width: 60 }]);
  });
});

describe('per-user rate limit', () => {
  it('answers rate_limited with retryAfter on WebSocket and 429 with Retry-After on REST, refills with time, never limits the owner', async () => {
    let now = 1_000_000;
    const bridge = await sharedBridge({ rateLimit: { jobsPerMinute: 2, now: () => now } });
    const png = await makePng(6, 5);
    const alice = await paired(bridge, bridge.alice);
    for (const id of ['1', '2', '3']) alice.upscale(id, png);
    const outcomes = await alice.outcomes(3);
    expect(outcomes.filter((o) => o.ok).map((o) => o.id).sort()).toEqual(['1', '2']);
    const refused = alice.frames.find((f) => f.kind === 'json' && f.message.type === 'error');
    expect(refused).toMatchObject({ message: { type: 'error', id: '3', code: 'rate_limited', retryAfter: 30 } });

    expect((await restUpscale(bridge, bridge.bob, png)).status).toBe(200);
    expect((await restUpscale(bridge, bridge.bob, png)).status).toBe(200);
    const limited = await fetch(`${bridge.httpUrl}/v1/upscale?model=bicubic`, { method: 'POST', headers: { ...bearer(bridge.bob), 'content-type': 'image/png' }, body: new Uint8Array(png) });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('30');
    expect(await limited.json()).toMatchObject({ error: { code: 'rate_limited', retryAfter: 30 } });

    now += 30_000;
    alice.upscale('4', png);
    expect(await alice.outcomes(1)).toMatchObject([{ id: '4', ok: true }]);
    for (let i = 0; i < 4; i++) expect((await restUpscale(bridge, bridge.pairing, png)).status).toBe(200);
  });
});

describe('behind a reverse proxy', () => {
  const throttle = { failuresBeforeDelay: 5, failuresBeforeLockout: 3, delayStepMs: 0 };
  const models = (bridge: RunningBridge, token: string, forwardedFor: string): Promise<number> =>
    fetch(`${bridge.httpUrl}/v1/models`, { headers: { ...bearer(token), 'x-forwarded-for': forwardedFor } }).then((r) => r.status);

  it('with --trust-proxy, locks out only the client that sent wrong tokens, named by X-Forwarded-For', async () => {
    const bridge = await sharedBridge({ trustProxy: ['127.0.0.1'], authThrottle: throttle });
    for (let i = 0; i < 3; i++) expect(await models(bridge, 'wrong', '10.0.0.1')).toBe(401);
    expect(await models(bridge, bridge.alice, '10.0.0.1')).toBe(429);
    expect(await models(bridge, bridge.bob, '10.0.0.2')).toBe(200);
  });

  it('without it, ignores X-Forwarded-For (a client cannot pick its own address)', async () => {
    const bridge = await sharedBridge({ authThrottle: throttle });
    for (let i = 0; i < 3; i++) expect(await models(bridge, 'wrong', `10.0.0.${i}`)).toBe(401);
    expect(await models(bridge, bridge.bob, '10.0.0.9')).toBe(429);
  });
});

describe('logs on a shared bridge', () => {
  it('name the user and never carry a token or its hash', async () => {
    const lines: string[] = [];
    const bridge = await sharedBridge({ logger: jsonLogger({ write: (line: string) => void lines.push(line) }) });
    const png = await makePng(6, 5);
    expect((await restUpscale(bridge, bridge.alice, png)).status).toBe(200);
    const alice = await paired(bridge, bridge.alice);
    alice.upscale('j', png);
    await alice.outcomes(1);
    expect((await restUpscale(bridge, altered(bridge.bob), png)).status).toBe(401);
    expect(await tokenCli(bridge, 'revoke', 'alice')).toBe(0);
    await alice.closed();
    const text = lines.join('\n');
    expect(text).toContain('user:alice');
    expect(text).toContain('connected as user alice');
    expect(text).toContain('revoked: alice');
    for (const secret of [bridge.alice, bridge.bob, bridge.pairing]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(tokenHash(secret).toString('hex'));
    }
  });
});
