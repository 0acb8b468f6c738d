// REST: health, models, upscale, and every refusal answered with its stable code.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../bridge-server/src/app.ts';
import { makePng, pngInfo, tempConfigDir } from './helpers.ts';

const token = 'rest-test-token-0123456789abcdefghijklmnopqrs';
const auth = { authorization: `Bearer ${token}` };
let app: Awaited<ReturnType<typeof buildApp>>;
let cleanup: () => Promise<void>;
let png: Buffer;

beforeAll(async () => {
  ({ cleanup } = await tempConfigDir());
  app = await buildApp({ token, device: 'cpu', allowOrigins: ['http://localhost:5173'], limits: { maxBodyBytes: 256 * 1024, maxInputPixels: 200 * 200, maxOutputPixels: 1000 * 1000 } });
  png = await makePng(12, 7);
});
afterAll(async () => {
  await app.close();
  await cleanup();
});

function upscale(query: string, body: Buffer | string = png, headers: Record<string, string> = {}) {
  return app.inject({ method: 'POST', url: `/v1/upscale${query}`, headers: { ...auth, 'content-type': 'image/png', ...headers }, payload: body });
}

describe('GET /v1/health', () => {
  it('answers version info without a token', async () => {
    const res = await app.inject({ url: '/v1/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', server: { name: 'tsdsr', version: expect.any(String) }, protocol: 1 });
  });

  it('adds devices, loaded models and the queue with the token', async () => {
    const body = (await app.inject({ url: '/v1/health', headers: auth })).json();
    expect(body.devices).toContain('cpu');
    expect(body.queue).toEqual({ running: 0, queued: 0 });
    expect(Array.isArray(body.loaded)).toBe(true);
  });

  it('refuses a wrong token rather than ignoring it', async () => {
    const res = await app.inject({ url: '/v1/health', headers: { authorization: 'Bearer nope' } });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('unauthorized');
  });
});

describe('GET /v1/models', () => {
  it('lists the shipped models with their defaults', async () => {
    const { models } = (await app.inject({ url: '/v1/models', headers: auth })).json();
    const bicubic = models.find((m: { id: string }) => m.id === 'bicubic');
    expect(bicubic).toMatchObject({ scales: [2, 3, 4], colorFix: 'none', license: expect.any(String), tile: { size: expect.any(Number) } });
  });
});

describe('POST /v1/upscale', () => {
  it('returns a PNG of exactly 4x the size that keeps alpha (scale 4 is the default)', async () => {
    const res = await upscale('?model=bicubic');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(await pngInfo(res.rawPayload)).toMatchObject({ format: 'png', width: 48, height: 28, hasAlpha: true });
  });

  it('returns JPEG (over white, no alpha) or WebP (alpha kept) when format says so, at the quality asked', async () => {
    const jpeg = await upscale('?model=bicubic&format=jpg&quality=80');
    expect(jpeg.statusCode).toBe(200);
    expect(jpeg.headers['content-type']).toBe('image/jpeg');
    expect(jpeg.headers['x-tsdsr-width']).toBe('48');
    expect(await sharp(jpeg.rawPayload).metadata()).toMatchObject({ format: 'jpeg', width: 48, height: 28, hasAlpha: false });
    const webp = await upscale('?model=bicubic&format=webp');
    expect(webp.headers['content-type']).toBe('image/webp');
    expect(await sharp(webp.rawPayload).metadata()).toMatchObject({ format: 'webp', width: 48, height: 28, hasAlpha: true });
    const [low, high] = [await upscale('?model=bicubic&format=jpeg&quality=5'), await upscale('?model=bicubic&format=jpeg&quality=100')];
    expect(low.rawPayload.byteLength).toBeLessThan(high.rawPayload.byteLength);
  });

  it('produces a fractional scale exactly', async () => {
    const res = await upscale('?scale=2.5', png, { 'content-type': 'application/octet-stream' });
    expect(res.statusCode).toBe(200);
    expect(await pngInfo(res.rawPayload)).toMatchObject({ width: 30, height: 18 });
  });

  it('serves a listed origin, `Origin: null` and answers CORS preflights', async () => {
    expect((await upscale('?scale=2', png, { origin: 'null' })).statusCode).toBe(200);
    const listed = await upscale('?scale=2', png, { origin: 'http://localhost:5173' });
    expect(listed.statusCode).toBe(200);
    expect(listed.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    // a page can read what ran and the output size only if the answer lists those headers
    const exposed = String(listed.headers['access-control-expose-headers']).split(', ');
    expect(exposed).toEqual(expect.arrayContaining(['x-tsdsr-width', 'x-tsdsr-height', 'x-tsdsr-model']));
    expect((await upscale('?scale=2')).headers['access-control-expose-headers']).toBeUndefined(); // no Origin, no CORS
    const preflight = await app.inject({ method: 'OPTIONS', url: '/v1/upscale', headers: { origin: 'null' } });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-headers']).toContain('authorization');
  });
});

describe('refusals', () => {
  const cases: [string, () => ReturnType<typeof upscale>, number, string][] = [
    ['no token', () => app.inject({ method: 'POST', url: '/v1/upscale', headers: { 'content-type': 'image/png' }, payload: png }), 401, 'unauthorized'],
    ['wrong token', () => upscale('', png, { authorization: `Bearer ${token}x` }), 401, 'unauthorized'],
    ['malformed Authorization', () => upscale('', png, { authorization: token }), 401, 'unauthorized'],
    ['foreign Origin', () => upscale('', png, { origin: 'https://evil.example' }), 403, 'forbidden_origin'],
    ['foreign Origin on GET', () => app.inject({ url: '/v1/models', headers: { ...auth, origin: 'https://evil.example' } }), 403, 'forbidden_origin'],
    ['not an image', () => upscale('', Buffer.from('definitely not a picture')), 415, 'not_an_image'],
    ['empty body', () => upscale('', Buffer.alloc(0)), 415, 'not_an_image'],
    ['wrong content type', () => upscale('', 'hello', { 'content-type': 'text/plain' }), 415, 'unsupported_media_type'],
    ['unknown model', () => upscale('?model=no-such-model'), 404, 'unknown_model'],
    ['scale above 8', () => upscale('?scale=9'), 400, 'bad_scale'],
    ['scale of 1', () => upscale('?scale=1'), 400, 'bad_scale'],
    ['scale not a number', () => upscale('?scale=big'), 400, 'bad_scale'],
    ['tile too small', () => upscale('?tile=2'), 400, 'bad_request'],
    ['unknown query parameter', () => upscale('?scales=2'), 400, 'bad_request'],
    ['unknown format', () => upscale('?format=gif'), 400, 'bad_request'],
    ['quality with PNG', () => upscale('?quality=80'), 400, 'bad_request'],
    ['quality out of range', () => upscale('?format=webp&quality=0'), 400, 'bad_request'],
    ['unknown route', () => app.inject({ url: '/v1/nothing', headers: auth }), 404, 'not_found'],
  ];
  for (const [name, send, status, code] of cases) {
    it(`${name} → ${status} ${code}`, async () => {
      const res = await send();
      expect(res.statusCode).toBe(status);
      expect(res.json()).toEqual({ error: { code, message: expect.any(String) } });
    });
  }

  it('names an unknown query parameter as one', async () => {
    expect((await upscale('?scales=2')).json().error.message).toBe("unknown query parameter 'scales'");
  });

  it('lets allowed origins send DELETE (cancelling a training job) after a preflight', async () => {
    const res = await app.inject({ method: 'OPTIONS', url: '/v1/train/x', headers: { origin: 'null', 'access-control-request-method': 'DELETE' } });
    expect(res.headers['access-control-allow-methods']).toContain('DELETE');
  });

  it('truncated image → 422 bad_image', async () => {
    const big = await makePng(64, 48);
    const res = await upscale('?scale=2', big.subarray(0, Math.floor(big.length / 2)));
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('bad_image');
  });

  it('too many input pixels (from the header) → 413 too_many_pixels', async () => {
    const res = await upscale('?scale=2', await makePng(201, 200, false));
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('too_many_pixels');
  });

  it('too many output pixels → 413 too_many_pixels', async () => {
    const res = await upscale('?scale=8', await makePng(150, 150, false));
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('too_many_pixels');
  });

  it('oversized body → 413 body_too_large', async () => {
    const res = await upscale('', Buffer.alloc(300 * 1024, 1));
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('body_too_large');
  });

  it('keeps serving after refusals', async () => {
    expect((await upscale('?scale=2')).statusCode).toBe(200);
  });
});
