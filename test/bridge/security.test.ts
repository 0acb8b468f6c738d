// The bridge against hostile pages and clients: DNS rebinding (Host), opaque origins, token-free access, wrong-token lockout,
// connection caps and slow-loris.
import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hostAllowed, hostPolicy } from '../../bridge-server/src/auth/host.ts';
import { originAllowed } from '../../bridge-server/src/auth/origin.ts';
import { AuthThrottle } from '../../bridge-server/src/auth/throttle.ts';
import { buildApp } from '../../bridge-server/src/app.ts';
import { makePng, startBridge, tempConfigDir, type RunningBridge } from './helpers.ts';
import { TestClient } from './ws-client.ts';

let cleanup: () => Promise<void>;
const started: RunningBridge[] = [];

beforeAll(async () => {
  ({ cleanup } = await tempConfigDir());
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((b) => b.app.close()));
});
afterAll(async () => cleanup());

async function bridgeWith(options: Parameters<typeof startBridge>[0]): Promise<RunningBridge> {
  const bridge = await startBridge(options);
  started.push(bridge);
  return bridge;
}

/** A raw HTTP exchange: writes `request` and returns everything the server sent until it closed (or `waitMs` passed). */
function rawExchange(port: number, request: string, waitMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(text);
    }, waitMs);
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
    socket.write(request);
  });
}

const portOf = (bridge: RunningBridge): number => Number(new URL(bridge.httpUrl).port);

describe('Host header (DNS rebinding)', () => {
  it('serves the loopback names and refuses any other name with 403 forbidden_host, on REST and before the WebSocket upgrade', async () => {
    const bridge = await bridgeWith({});
    const port = portOf(bridge);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'LOCALHOST']) {
      const response = await bridge.app.inject({ url: '/v1/health', headers: { host } });
      expect(response.statusCode, host).toBe(200);
    }
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1.evil.example:${port}`, 'localhost.evil.example', `localhost@evil.example`]) {
      const response = await bridge.app.inject({ url: '/v1/models', headers: { host, authorization: `Bearer ${bridge.token}` } });
      expect(response.statusCode, host).toBe(403);
      expect(response.json().error.code).toBe('forbidden_host');
    }
    await expect(TestClient.connect(bridge.wsUrl, { host: `evil.example:${port}` })).rejects.toMatchObject({ status: 403 });
    const raw = await rawExchange(port, `GET /v1/health HTTP/1.1\r\nHost: rebind.attacker.example:${port}\r\nConnection: close\r\n\r\n`);
    expect(raw).toMatch(/^HTTP\/1.1 403/);
    expect(raw).toContain('forbidden_host');
  });

  it('accepts the --host address and --allow-host names, and any IP literal only when bound to every interface', () => {
    const lan = hostPolicy('192.168.1.20', ['bridge.example.lan']);
    expect(hostAllowed('192.168.1.20:8731', lan)).toBe(true);
    expect(hostAllowed('BRIDGE.example.lan:443', lan)).toBe(true);
    expect(hostAllowed('10.0.0.9:8731', lan)).toBe(false);
    expect(hostAllowed('other.example.lan', lan)).toBe(false);
    const everywhere = hostPolicy('0.0.0.0');
    expect(hostAllowed('10.0.0.9:8731', everywhere)).toBe(true);
    expect(hostAllowed('[fe80::1]:8731', everywhere)).toBe(true);
    expect(hostAllowed('myhost.local:8731', everywhere)).toBe(false);
    expect(hostAllowed(undefined, everywhere)).toBe(false);
    expect(hostAllowed('localhost:8731', hostPolicy(undefined))).toBe(true);
    expect(hostAllowed('[::1]:8731', hostPolicy('::1'))).toBe(true);
    // Loopback IP literals in any spelling name this machine; no DNS name is involved, so no rebinding.
    for (const literal of ['127.0.0.2:8731', '2130706433', '[::ffff:127.0.0.1]:8731', '[0:0:0:0:0:0:0:1]']) expect(hostAllowed(literal, lan), literal).toBe(true);
    expect(hostAllowed('[::ffff:10.0.0.1]', lan)).toBe(false);
  });

  it('answers to a name given with allowHosts', async () => {
    const bridge = await bridgeWith({ allowHosts: ['studio-bridge.lan'] });
    expect((await bridge.app.inject({ url: '/v1/health', headers: { host: 'studio-bridge.lan:8731' } })).statusCode).toBe(200);
  });
});

describe('Origin and the token', () => {
  it('compares origins exactly: `null` passes the origin check, `NULL` and look-alikes do not', async () => {
    const allowed = new Set(['http://localhost:5173']);
    expect(originAllowed('null', allowed)).toBe(true);
    expect(originAllowed('http://localhost:5173', allowed)).toBe(true);
    for (const origin of ['NULL', 'Null', ' null', 'null ', 'HTTP://LOCALHOST:5173', 'http://localhost:5173/', 'http://localhost:51730']) {
      expect(originAllowed(origin, allowed), origin).toBe(false);
    }
    const bridge = await bridgeWith({});
    const upper = await bridge.app.inject({ url: '/v1/models', headers: { origin: 'NULL', authorization: `Bearer ${bridge.token}` } });
    expect(upper.statusCode).toBe(403);
    expect(upper.json().error.code).toBe('forbidden_origin');
    await expect(TestClient.connect(bridge.wsUrl, { origin: 'NULL' })).rejects.toMatchObject({ status: 403 });
  });

  it('grants nothing to Origin: null without the token: every route but /v1/health answers 401, and health tells only the version', async () => {
    const bridge = await bridgeWith({});
    const headers = { origin: 'null' };
    const png = await makePng(8, 8);
    const routes: { method: 'GET' | 'POST' | 'DELETE'; url: string; body?: Buffer | object; type?: string }[] = [
      { method: 'GET', url: '/v1/models' },
      { method: 'POST', url: '/v1/upscale?model=bicubic&scale=2', body: png, type: 'image/png' },
      { method: 'POST', url: '/v1/train', body: { kind: 'tsd' }, type: 'application/json' },
      { method: 'GET', url: '/v1/train' },
      { method: 'GET', url: '/v1/train/abc' },
      { method: 'DELETE', url: '/v1/train/abc' },
      { method: 'POST', url: '/v1/token/reload' },
      { method: 'GET', url: '/v1/metrics' },
    ];
    const listed = bridge.app.printRoutes({ commonPrefix: false });
    const declared = [...listed.matchAll(/(\/v1\/[^\s(]*) \(([^)]*)\)/g)].flatMap(([, path, methods]) => (
      methods!.split(', ').filter((m) => !['HEAD', 'OPTIONS'].includes(m)).map((m) => `${m} ${path!.replace(':id', 'abc')}`)
    ));
    // Every declared route is in the table above (so a new route cannot slip in without a token check), bar health and the WebSocket.
    const covered = new Set([...routes.map((r) => `${r.method} ${r.url.split('?')[0]}`), 'GET /v1/health', 'GET /v1/ws']);
    expect(declared.length).toBeGreaterThan(5);
    for (const route of declared) expect(covered.has(route), route).toBe(true);
    for (const route of routes) {
      const response = await bridge.app.inject({
        method: route.method, url: route.url, headers: { ...headers, ...(route.type ? { 'content-type': route.type } : {}) },
        ...(route.body ? { payload: route.body } : {}),
      });
      expect(response.statusCode, `${route.method} ${route.url}`).toBe(401);
      expect(response.json().error.code).toBe('unauthorized');
    }
    const health = await bridge.app.inject({ url: '/v1/health', headers });
    expect(Object.keys(health.json()).sort()).toEqual(['protocol', 'server', 'status']);
    expect(health.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'cache-control': 'no-store', 'access-control-allow-origin': 'null' });
  });

  it('answers no WebSocket message before a hello with the right token, whatever the Origin', async () => {
    const bridge = await bridgeWith({});
    const png = await makePng(8, 8);
    for (const origin of ['null', undefined]) {
      const client = await TestClient.connect(bridge.wsUrl, origin ? { origin } : {});
      client.upscale('a', png);
      client.send({ type: 'hello', protocol: 1, client: { name: 'page', version: '0' }, token: bridge.token });
      expect(await client.nextMessage()).toMatchObject({ type: 'error', code: 'bad_request' });
      expect((await client.closed()).code).toBe(4400);
      expect(client.frames.some((f) => f.kind === 'binary' || (f.kind === 'json' && f.message.type !== 'error'))).toBe(false);
    }
  });
});

describe('logs', () => {
  it('never carry a token, right or wrong, whatever the request', async () => {
    const lines: string[] = [];
    const record = (...args: unknown[]): void => void lines.push(JSON.stringify(args, (_k, v: unknown) => (v instanceof Error ? `${v.message} ${v.stack}` : v)));
    const logger: Record<string, unknown> = { level: 'trace', silent: () => {} };
    for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal']) logger[level] = record;
    logger.child = () => logger;
    const bridge = await bridgeWith({ logger: logger as never });
    const wrong = 'wrong-token-0123456789-abcdefghijklmnopqrstuv';
    await bridge.app.inject({ url: '/v1/models', headers: { authorization: `Bearer ${wrong}` } });
    await bridge.app.inject({ url: '/v1/models', headers: { authorization: `Bearer ${bridge.token}` } });
    await bridge.app.inject({ method: 'POST', url: '/v1/upscale?model=bicubic', headers: { authorization: `Bearer ${bridge.token}`, 'content-type': 'image/png' }, payload: Buffer.from('not a png') });
    const client = await TestClient.paired(bridge.wsUrl, bridge.token);
    client.upscale('a', await makePng(4, 4));
    await client.outcomes(1);
    client.close();
    const refused = await TestClient.connect(bridge.wsUrl);
    await refused.hello(wrong);
    await refused.closed();
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((line) => line.includes(bridge.token) || line.includes(wrong))).toEqual([]);
  });
});

describe('wrong-token throttling', () => {
  it('answers the first failures at once, delays later ones more and more, locks out, and forgets after a success', () => {
    let now = 0;
    const throttle = new AuthThrottle({ failuresBeforeDelay: 2, failuresBeforeLockout: 5, windowMs: 1_000, lockoutMs: 10_000, delayStepMs: 100, maxDelayMs: 150, now: () => now });
    expect([throttle.fail('a'), throttle.fail('a'), throttle.fail('a'), throttle.fail('a')]).toEqual([0, 0, 100, 150]);
    expect(throttle.lockedFor('a')).toBe(0);
    expect(throttle.lockedFor('b')).toBe(0);
    throttle.fail('a');
    expect(throttle.lockedFor('a')).toBe(10_000);
    throttle.succeed('a');
    expect(throttle.lockedFor('a')).toBe(10_000);
    now = 10_001;
    expect(throttle.lockedFor('a')).toBe(0);
    expect(throttle.fail('a')).toBe(0);
    throttle.fail('a');
    throttle.succeed('a');
    expect([throttle.fail('a'), throttle.fail('a'), throttle.fail('a')]).toEqual([0, 0, 100]);
    now += 2_000;
    expect(throttle.fail('a')).toBe(0);
  });

  it('locks an address out after repeated wrong tokens on REST and in WebSocket hellos alike, right token or not', async () => {
    const bridge = await bridgeWith({ authThrottle: { failuresBeforeDelay: 1, failuresBeforeLockout: 4, delayStepMs: 5, lockoutMs: 60_000 } });
    const wrong = { authorization: 'Bearer not-the-token' };
    expect((await bridge.app.inject({ url: '/v1/models', headers: wrong })).statusCode).toBe(401);
    expect((await bridge.app.inject({ url: '/v1/models', headers: wrong })).statusCode).toBe(401);
    const client = await TestClient.connect(bridge.wsUrl);
    expect(await client.hello('wrong-token')).toMatchObject({ type: 'error', code: 'unauthorized' });
    expect((await client.closed()).code).toBe(4401);
    const fourth = await bridge.app.inject({ url: '/v1/models', headers: wrong });
    expect(fourth.statusCode).toBe(401);
    const locked = await bridge.app.inject({ url: '/v1/models', headers: { authorization: `Bearer ${bridge.token}` } });
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error.code).toBe('rate_limited');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(50);
    await expect(TestClient.connect(bridge.wsUrl)).rejects.toMatchObject({ status: 429 });
    // The version-only health check stays open; it reveals nothing.
    expect((await bridge.app.inject({ url: '/v1/health' })).statusCode).toBe(200);
  });

  it('refuses a WebSocket hello with rate_limited and close 4429 when the lockout began after the upgrade', async () => {
    const bridge = await bridgeWith({ authThrottle: { failuresBeforeDelay: 10, failuresBeforeLockout: 2 } });
    const waiting = await TestClient.connect(bridge.wsUrl);
    for (let i = 0; i < 2; i++) await bridge.app.inject({ url: '/v1/models', headers: { authorization: 'Bearer nope' } });
    expect(await waiting.hello(bridge.token)).toMatchObject({ type: 'error', code: 'rate_limited' });
    expect((await waiting.closed()).code).toBe(4429);
  });
});

describe('connection caps and timeouts', () => {
  const openSocket = (port: number): Promise<Socket> => new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });

  it('answers connections past the per-address cap with 503 and serves again once one closes', async () => {
    const bridge = await bridgeWith({ limits: { maxConnectionsPerAddress: 3 } });
    const port = portOf(bridge);
    const held = await Promise.all([openSocket(port), openSocket(port), openSocket(port)]);
    const refused = await rawExchange(port, `GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    expect(refused).toMatch(/^HTTP\/1.1 503/);
    expect(refused).toContain('"unavailable"');
    held[0]!.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const served = await rawExchange(port, `GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    expect(served).toMatch(/^HTTP\/1.1 200/);
    for (const socket of held) socket.destroy();
  });

  it('refuses a WebSocket past the cap on open WebSockets with 503 before the upgrade', async () => {
    const bridge = await bridgeWith({ limits: { maxWebSockets: 2 } });
    const clients = [await TestClient.paired(bridge.wsUrl, bridge.token), await TestClient.connect(bridge.wsUrl)];
    await expect(TestClient.connect(bridge.wsUrl)).rejects.toMatchObject({ status: 503 });
    clients[1]!.close();
    await clients[1]!.closed();
    const again = await TestClient.paired(bridge.wsUrl, bridge.token);
    again.close();
    clients[0]!.close();
  });

  it('closes a slow-loris connection that never finishes its headers, but keeps a quiet WebSocket open', async () => {
    const bridge = await bridgeWith({ limits: { headersTimeoutMs: 300, requestTimeoutMs: 600 } });
    const port = portOf(bridge);
    const socket = await openSocket(port);
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write('GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const drip = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 100);
    const ws = await TestClient.paired(bridge.wsUrl, bridge.token);
    await closed;
    clearInterval(drip);
    expect(answer).toMatch(/^HTTP\/1.1 408|^$/);
    // The paired WebSocket outlived both timeouts and still answers.
    await new Promise((resolve) => setTimeout(resolve, 700));
    ws.send({ type: 'cancel', id: 'nothing' });
    expect(await ws.nextMessage()).toMatchObject({ type: 'error', code: 'unknown_job' });
    ws.close();
  });

  it('builds with the documented defaults', async () => {
    const app = await buildApp({ token: 'x'.repeat(43), modelRoots: [] });
    expect(app.bridgeConfig.limits).toMatchObject({ maxConnectionsPerAddress: 64, maxWebSockets: 32, headersTimeoutMs: 10_000 });
    expect(app.server.headersTimeout).toBe(10_000);
    expect(app.server.requestTimeout).toBe(120_000);
    await app.close();
  });
});
