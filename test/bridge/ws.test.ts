// WebSocket protocol v1 over a real socket: handshake refusals, frame validation, and results that never mix between clients.
import { get } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePng, pngInfo, startBridge, tempConfigDir, type RunningBridge } from './helpers.ts';
import { TestClient } from './ws-client.ts';

let bridge: RunningBridge;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ cleanup } = await tempConfigDir());
  bridge = await startBridge({ limits: { maxBodyBytes: 512 * 1024, helloTimeoutMs: 300, maxInputPixels: 100 * 100 } });
});
afterAll(async () => {
  await bridge.app.close();
  await cleanup();
});

describe('handshake', () => {
  it('answers a good hello with version, models and devices', async () => {
    const client = await TestClient.connect(bridge.wsUrl, { origin: 'null' });
    const hello = await client.hello(bridge.token);
    expect(hello).toMatchObject({ type: 'hello', protocol: 1, server: { name: 'tsdsr' }, devices: expect.arrayContaining(['cpu']) });
    expect(hello.type === 'hello' && hello.models.map((m) => m.id).slice(0, 2)).toEqual(['tsdsr-auto', 'bicubic']);
    client.close();
  });

  const refusals: [string, (c: TestClient) => void, string, number][] = [
    ['a wrong token', (c) => c.send({ type: 'hello', protocol: 1, client: { name: 't', version: '0' }, token: 'wrong' }), 'unauthorized', 4401],
    ['another protocol version', (c) => c.send({ type: 'hello', protocol: 2, client: { name: 't', version: '0' }, token: 'x', features: ['v2'] }), 'version_mismatch', 4426],
    ['an upscale before hello', (c) => c.send({ type: 'upscale', id: 'a', model: 'bicubic', scale: 2 }), 'bad_request', 4400],
    ['a binary frame before hello', (c) => c.socket.send(Buffer.from([1, 2, 3])), 'bad_request', 4400],
    ['invalid JSON', (c) => c.send('{not json'), 'bad_request', 4400],
    ['no hello in time', () => {}, 'bad_request', 4400],
  ];
  for (const [name, act, code, closeCode] of refusals) {
    it(`refuses ${name} with error ${code} and close ${closeCode}`, async () => {
      const client = await TestClient.connect(bridge.wsUrl);
      act(client);
      expect(await client.nextMessage()).toMatchObject({ type: 'error', code });
      expect((await client.closed()).code).toBe(closeCode);
    });
  }

  it('refuses a foreign Origin before the upgrade with 403 forbidden_origin', async () => {
    await expect(TestClient.connect(bridge.wsUrl, { origin: 'https://evil.example' })).rejects.toMatchObject({ status: 403 });
    const body = await new Promise<string>((resolve) => {
      get(bridge.wsUrl.replace('ws:', 'http:'), { headers: { origin: 'https://evil.example', connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } }, (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve(text));
      });
    });
    expect(JSON.parse(body).error.code).toBe('forbidden_origin');
  });
});

describe('after the handshake', () => {
  it('answers bad frames with errors and keeps the connection', async () => {
    const client = await TestClient.paired(bridge.wsUrl, bridge.token);
    client.send('[]');
    expect(await client.nextMessage()).toMatchObject({ type: 'error', code: 'bad_request' });
    client.send({ type: 'upscale', id: 'x', model: 'bicubic' });
    client.socket.send(Buffer.from('ignored'), { binary: true });
    expect(await client.nextMessage()).toMatchObject({ type: 'error', id: 'x', code: 'bad_request' });
    client.socket.send(Buffer.from('stray'), { binary: true });
    expect(await client.nextMessage()).toMatchObject({ type: 'error', code: 'bad_request' });
    client.send({ type: 'cancel', id: 'never-sent' });
    expect(await client.nextMessage()).toMatchObject({ type: 'error', id: 'never-sent', code: 'unknown_job' });
    client.upscale('ok', await makePng(5, 4), { scale: 2 });
    const [outcome] = await client.outcomes(1);
    expect(outcome).toMatchObject({ id: 'ok', ok: true, width: 10, height: 8 });
    client.close();
  });

  it('refuses bad jobs with their own id and code', async () => {
    const client = await TestClient.paired(bridge.wsUrl, bridge.token);
    const png = await makePng(6, 6);
    client.upscale('model', png, { model: 'no-such-model' });
    client.upscale('scale', png, { scale: 12 });
    client.upscale('pixels', await makePng(101, 100));
    client.upscale('text', Buffer.from('not an image'));
    const half = await makePng(64, 48);
    client.upscale('truncated', half.subarray(0, half.length >> 1));
    const outcomes = await client.outcomes(5);
    expect(Object.fromEntries(outcomes.map((o) => [o.id, o.ok ? 'ok' : o.code]))).toEqual({
      model: 'unknown_model', scale: 'bad_scale', pixels: 'too_many_pixels', text: 'not_an_image', truncated: 'bad_image',
    });
    client.close();
  });

  it('closes with 1009 when a frame exceeds the size limit, and serves others meanwhile', async () => {
    const big = await TestClient.paired(bridge.wsUrl, bridge.token);
    big.send({ type: 'upscale', id: 'big', model: 'bicubic', scale: 2 });
    big.socket.send(Buffer.alloc(600 * 1024), { binary: true });
    expect((await big.closed()).code).toBe(1009);
    const other = await TestClient.paired(bridge.wsUrl, bridge.token);
    other.upscale('small', await makePng(3, 3));
    expect((await other.outcomes(1))[0]).toMatchObject({ ok: true, width: 6, height: 6 });
    other.close();
  });
});

describe('two clients, five jobs each', () => {
  it('each client receives its own five results, each the size it asked for', async () => {
    const [a, b] = await Promise.all([TestClient.paired(bridge.wsUrl, bridge.token), TestClient.paired(bridge.wsUrl, bridge.token)]);
    const expected = new Map<string, { width: number; height: number }>();
    const jobs: [TestClient, string, number, number, number][] = [];
    for (let i = 0; i < 5; i++) {
      jobs.push([a, `job-${i}`, 4 + i, 3 + 2 * i, 2 + (i % 3)]);
      jobs.push([b, `job-${i}`, 9 + 3 * i, 5 + i, 4 - (i % 3)]);
    }
    for (const [client, id, width, height, scale] of jobs) {
      expected.set(`${client === a ? 'a' : 'b'}/${id}`, { width: width * scale, height: height * scale });
      client.upscale(id, await makePng(width, height), { scale });
    }
    const [fromA, fromB] = await Promise.all([a.outcomes(5), b.outcomes(5)]);
    for (const [name, outcomes] of [['a', fromA], ['b', fromB]] as const) {
      expect(outcomes.map((o) => o.id).sort()).toEqual(['job-0', 'job-1', 'job-2', 'job-3', 'job-4']);
      for (const o of outcomes) {
        if (!o.ok) throw new Error(`${name}/${o.id} failed: ${o.code}`);
        const want = expected.get(`${name}/${o.id}`)!;
        expect({ width: o.width, height: o.height }).toEqual(want);
        expect(await pngInfo(o.png)).toMatchObject({ ...want, hasAlpha: true });
      }
    }
    a.close();
    b.close();
  });
});
