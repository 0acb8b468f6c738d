// Observability: GET /v1/metrics after a few jobs, the fuller GET /v1/health with the token (and the minimal one without),
// one JSON log line per job, and no log line carrying the token or image bytes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLogger } from '../../bridge-server/src/observe/index.ts';
import { makePng, startBridge, tempConfigDir, type RunningBridge } from './helpers.ts';
import { TestClient } from './ws-client.ts';

let cleanup: () => Promise<void>;
let bridge: RunningBridge;
const lines: string[] = [];
let png: Buffer;

beforeAll(async () => {
  let dir: string;
  ({ dir, cleanup } = await tempConfigDir());
  bridge = await startBridge({ configDir: dir, logger: jsonLogger({ write: (line: string) => void lines.push(line) }) });
  png = await makePng(12, 10);
});
afterAll(async () => {
  await bridge.app.close();
  await cleanup();
});

const auth = (): Record<string, string> => ({ authorization: `Bearer ${bridge.token}` });

async function restUpscale(query: string, body: Buffer = png): Promise<number> {
  const response = await fetch(`${bridge.httpUrl}/v1/upscale?${query}`, { method: 'POST', headers: { ...auth(), 'content-type': 'image/png' }, body: new Uint8Array(body) });
  await response.arrayBuffer();
  return response.status;
}

/** The value of one sample of the Prometheus text, e.g. `tsdsr_jobs_total{outcome="ok"}`. */
function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('GET /v1/metrics', () => {
  it('needs the token', async () => {
    expect((await fetch(`${bridge.httpUrl}/v1/metrics`)).status).toBe(401);
  });

  it('counts what ran: jobs by outcome, tiles, the device in use, the queue and the process', async () => {
    expect(await restUpscale('model=bicubic&scale=2')).toBe(200);
    expect(await restUpscale('model=bicubic&scale=3')).toBe(200);
    const client = await TestClient.paired(bridge.wsUrl, bridge.token);
    client.upscale('ws-job', png, { scale: 2, model: 'bicubic' });
    expect((await client.outcomes(1))[0]).toMatchObject({ id: 'ws-job', ok: true });
    client.close();
    expect(await restUpscale('model=no-such-model&scale=2')).toBe(404);
    expect(await restUpscale('model=bicubic&scale=2', Buffer.from('not an image'))).toBe(415);

    const response = await fetch(`${bridge.httpUrl}/v1/metrics`, { headers: auth() });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(sample(text, 'tsdsr_jobs_total{outcome="ok"}')).toBe(3);
    expect(sample(text, 'tsdsr_jobs_total{outcome="unknown_model"}')).toBe(1);
    expect(sample(text, 'tsdsr_jobs_total{outcome="not_an_image"}')).toBe(1);
    expect(sample(text, 'tsdsr_job_duration_seconds_count{model="bicubic"}')).toBe(3);
    expect(sample(text, 'tsdsr_queue_wait_seconds_count')).toBe(3);
    expect(sample(text, 'tsdsr_tiles_total{model="bicubic"}')).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'tsdsr_model_device{model="bicubic",device="cpu"}')).toBe(1);
    expect(sample(text, 'tsdsr_model_load_seconds_count{model="bicubic",device="cpu"}')).toBe(1);
    expect(sample(text, 'tsdsr_queue_jobs{state="running"}')).toBe(0);
    expect(sample(text, 'tsdsr_queue_jobs{state="queued"}')).toBe(0);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });
});

describe('GET /v1/health', () => {
  it('tells only name, version and protocol without the token', async () => {
    expect(await (await fetch(`${bridge.httpUrl}/v1/health`)).json()).toEqual({ status: 'ok', server: { name: 'tsdsr', version: expect.any(String) }, protocol: 1 });
  });

  it('adds uptime, the device, model ids and versions and the last job error with the token', async () => {
    const health = await (await fetch(`${bridge.httpUrl}/v1/health`, { headers: auth() })).json() as Record<string, unknown>;
    expect(health).toMatchObject({ device: 'cpu', uptimeSeconds: expect.any(Number), queue: { running: 0, queued: 0 } });
    expect(health.models).toContainEqual({ id: 'bicubic', version: expect.stringMatching(/^sha256:[0-9a-f]{12}$/) });
    expect(health.lastError).toMatchObject({ code: 'not_an_image', at: expect.any(String) });
  });
});

describe('logs', () => {
  it('are one JSON object a line, one line per job with client, model, size, device, time and outcome', () => {
    const records = lines.map((line) => JSON.parse(line) as { job?: Record<string, unknown> });
    const jobs = records.flatMap((r) => (r.job ? [r.job] : []));
    expect(jobs.filter((j) => j.outcome === 'ok')).toHaveLength(3);
    expect(jobs.find((j) => j.outcome === 'ok' && String(j.client).startsWith('ws:'))).toMatchObject({ model: 'bicubic', width: 12, height: 10, scale: 2, device: 'cpu', ms: expect.any(Number) });
    expect(jobs.find((j) => String(j.client).startsWith('rest:') && j.scale === 3)).toMatchObject({ model: 'bicubic', width: 12, height: 10, device: 'cpu', outcome: 'ok' });
    expect(jobs.find((j) => j.outcome === 'unknown_model')).toMatchObject({ model: 'no-such-model' });
  });

  it('never carry the token or image bytes', async () => {
    expect(await fetch(`${bridge.httpUrl}/v1/models`, { headers: { authorization: 'Bearer wrong-token-0123456789abcdefghijklmnopqrstuv' } }).then((r) => r.status)).toBe(401);
    const text = lines.join('');
    expect(lines.length).toBeGreaterThan(4);
    expect(text).not.toContain(bridge.token);
    expect(text).not.toContain('wrong-token-0123456789');
    for (const encoding of ['base64', 'hex', 'latin1'] as const) expect(text).not.toContain(png.subarray(0, 16).toString(encoding));
    expect(text).not.toContain('\\u0089PNG');
  });
});
