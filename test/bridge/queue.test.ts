// The job queue through real WebSocket clients and a gated fake model: cancel, disconnects, fairness, per-client cap.
import { afterEach, describe, expect, it } from 'vitest';
import { gatedRuntime, makePng, startBridge, tempConfigDir, type Gate, type RunningBridge } from './helpers.ts';
import { TestClient } from './ws-client.ts';

let bridge: RunningBridge | undefined;
let cleanup: (() => Promise<void>) | undefined;

async function start(maxJobsPerClient = 16): Promise<{ bridge: RunningBridge; gate: Gate; started: string[] }> {
  ({ cleanup } = await tempConfigDir());
  const { runtime, gate, started } = gatedRuntime();
  bridge = await startBridge({ runtime, limits: { maxJobsPerClient } });
  return { bridge, gate, started };
}

afterEach(async () => {
  await bridge?.app.close();
  await cleanup?.();
  bridge = undefined;
});

async function untilStarted(started: string[], count: number): Promise<void> {
  for (let i = 0; i < 200 && started.length < count; i++) await new Promise((r) => setTimeout(r, 10));
  expect(started.length).toBeGreaterThanOrEqual(count);
}

describe('job queue', () => {
  it('cancels a queued job (removed, reported cancelled) and a running one, then moves on', async () => {
    const { bridge, gate, started } = await start();
    const client = await TestClient.paired(bridge.wsUrl, bridge.token);
    client.upscale('running', await makePng(10, 10));
    client.upscale('queued', await makePng(11, 10));
    client.upscale('last', await makePng(12, 10));
    expect(await client.nextMessage()).toMatchObject({ type: 'accepted', id: 'running', position: 0 });
    expect(await client.nextMessage()).toMatchObject({ type: 'accepted', id: 'queued', position: 0 });
    expect(await client.nextMessage()).toMatchObject({ type: 'accepted', id: 'last', position: 1 });
    await untilStarted(started, 1);
    client.send({ type: 'cancel', id: 'queued' });
    expect(await client.nextMessage()).toMatchObject({ type: 'error', id: 'queued', code: 'cancelled' });
    client.send({ type: 'cancel', id: 'running' });
    expect(await client.nextMessage()).toMatchObject({ type: 'error', id: 'running', code: 'cancelled' });
    gate.open();
    expect(await client.outcomes(1)).toMatchObject([{ id: 'last', ok: true, width: 24, height: 20 }]);
    expect(started).toEqual(['10x10', '12x10']);
  });

  it('keeps serving when a client is killed mid-job, and cancels that client\'s jobs', async () => {
    const { bridge, gate, started } = await start();
    const doomed = await TestClient.paired(bridge.wsUrl, bridge.token);
    doomed.upscale('a', await makePng(7, 7));
    doomed.upscale('b', await makePng(8, 8));
    await untilStarted(started, 1);
    doomed.socket.terminate();
    const survivor = await TestClient.paired(bridge.wsUrl, bridge.token);
    survivor.upscale('c', await makePng(9, 5), { scale: 3 });
    gate.open();
    expect(await survivor.outcomes(1)).toMatchObject([{ id: 'c', ok: true, width: 27, height: 15 }]);
    expect(started).toEqual(['7x7', '9x5']);
    expect(bridge.app.jobs.stats()).toEqual({ running: 0, queued: 0 });
  });

  it('does not starve a client behind another client\'s backlog', async () => {
    const { bridge, gate, started } = await start();
    const a = await TestClient.paired(bridge.wsUrl, bridge.token);
    const b = await TestClient.paired(bridge.wsUrl, bridge.token);
    for (let i = 0; i < 6; i++) a.upscale(`a${i}`, await makePng(20 + i, 4));
    await untilStarted(started, 1);
    b.upscale('b0', await makePng(30, 4));
    const accepted = await (async () => {
      for (;;) {
        const m = await b.nextMessage();
        if (m.type === 'accepted') return m;
      }
    })();
    expect(accepted.position).toBe(0);
    gate.open();
    await Promise.all([a.outcomes(6), b.outcomes(1)]);
    expect(started.slice(0, 3)).toEqual(['20x4', '30x4', '21x4']);
  });

  it('refuses jobs over the per-client cap with queue_full, without affecting other clients', async () => {
    const { bridge, gate } = await start(2);
    const greedy = await TestClient.paired(bridge.wsUrl, bridge.token);
    const other = await TestClient.paired(bridge.wsUrl, bridge.token);
    const png = await makePng(5, 5);
    for (const id of ['1', '2', '3']) greedy.upscale(id, png);
    other.upscale('x', png);
    const refused = await greedy.outcomes(1);
    expect(refused).toEqual([{ id: '3', ok: false, code: 'queue_full' }]);
    gate.open();
    expect((await greedy.outcomes(2)).every((o) => o.ok)).toBe(true);
    expect(await other.outcomes(1)).toMatchObject([{ id: 'x', ok: true }]);
  });

  it('cancels a REST job when its client closes the connection', async () => {
    const { bridge, started } = await start();
    const abort = new AbortController();
    const request = fetch(`${bridge.httpUrl}/v1/upscale?scale=2`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bridge.token}`, 'content-type': 'image/png' },
      body: new Uint8Array(await makePng(8, 3)),
      signal: abort.signal,
    });
    await untilStarted(started, 1);
    expect(bridge.app.jobs.stats().running).toBe(1);
    abort.abort();
    await expect(request).rejects.toThrow();
    for (let i = 0; i < 200 && bridge.app.jobs.stats().running > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(bridge.app.jobs.stats()).toEqual({ running: 0, queued: 0 });
  });

  it('sends progress for a running job between accepted and result', async () => {
    const { bridge, gate } = await start();
    const client = await TestClient.paired(bridge.wsUrl, bridge.token);
    client.upscale('p', await makePng(6, 6));
    gate.open();
    await client.outcomes(1);
    const types = client.frames.flatMap((f) => (f.kind === 'json' ? [f.message.type] : ['png']));
    expect(types).toEqual(['hello', 'accepted', 'progress', 'progress', 'result', 'png']);
  });
});
