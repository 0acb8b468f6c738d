// Pixel limits from the image header (issue 14, finding 7): a PNG, JPEG or WebP claiming 60000 x 60000 is 413
// too_many_pixels on REST and over the WebSocket, never 415 not_an_image; images that pass the header but fail to
// decode are 422 bad_image, never 500; the decoder itself is held to the pixel limit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, probeImage } from '../../models/runtime/node.ts';
import type { ImageFormat } from '../../models/runtime/image-header.ts';
import { claimSize, sampleImages } from '../helpers/image-headers.ts';
import { startBridge, tempConfigDir, type RunningBridge } from './helpers.ts';
import { TestClient } from './ws-client.ts';

const FORMATS: readonly ImageFormat[] = ['png', 'jpeg', 'webp'];
let bridge: RunningBridge;
let cleanup: () => Promise<void>;
let samples: Record<ImageFormat, Buffer>;

beforeAll(async () => {
  ({ cleanup } = await tempConfigDir());
  bridge = await startBridge();
  samples = await sampleImages();
});
afterAll(async () => {
  await bridge.app.close();
  await cleanup();
});

function upscale(body: Buffer) {
  return bridge.app.inject({
    method: 'POST', url: '/v1/upscale?model=nearest&scale=2', payload: body,
    headers: { authorization: `Bearer ${bridge.token}`, 'content-type': 'application/octet-stream' },
  });
}

describe('a header claiming 60000 x 60000', () => {
  for (const format of FORMATS) {
    it(`${format}: the probe reads the size without a pixel limit`, async () => {
      expect(await probeImage(claimSize(format, samples[format], 60000, 60000))).toEqual({ format, width: 60000, height: 60000 });
    });

    it(`${format}: REST answers 413 too_many_pixels`, async () => {
      const res = await upscale(claimSize(format, samples[format], 60000, 60000));
      expect(res.statusCode).toBe(413);
      expect(res.json()).toEqual({ error: { code: 'too_many_pixels', message: expect.stringContaining('60000x60000') } });
    });
  }

  it('is a too_many_pixels error with the job id over the WebSocket, for each format', async () => {
    const client = await TestClient.paired(bridge.wsUrl, bridge.token);
    for (const format of FORMATS) client.upscale(`big-${format}`, claimSize(format, samples[format], 60000, 60000), { model: 'nearest' });
    const outcomes = await client.outcomes(FORMATS.length);
    expect(outcomes).toEqual(FORMATS.map((format) => ({ id: `big-${format}`, ok: false, code: 'too_many_pixels' })));
    client.close();
  });
});

describe('images that pass the header but not the decoder', () => {
  for (const format of FORMATS) {
    it(`${format} cut short after its header → 422 bad_image`, async () => {
      const res = await upscale(samples[format].subarray(0, 40));
      expect(res.statusCode).toBe(422);
      expect(res.json().error.code).toBe('bad_image');
    });

  }

  for (const format of ['png', 'webp'] as const) {
    it(`${format} claiming 300 x 200 with the data of a smaller image → 422 bad_image`, async () => {
      const res = await upscale(claimSize(format, samples[format], 300, 200));
      expect(res.statusCode).toBe(422);
      expect(res.json().error.code).toBe('bad_image');
    });
  }

  it('jpeg claiming 300 x 200 with the data of a smaller image is decoded as browsers show it (missing blocks grey)', async () => {
    const res = await upscale(claimSize('jpeg', samples.jpeg, 300, 200));
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-tsdsr-width']).toBe('600');
  });

  it('keeps serving: a sound image still upscales', async () => {
    const res = await upscale(samples.png);
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-tsdsr-width']).toBe('16');
  });
});

describe('decodeImage', () => {
  it('is held to the pixel limit it is given (8 x 6 = 48 px)', async () => {
    await expect(decodeImage(samples.png, { maxInputPixels: 47 })).rejects.toMatchObject({ code: 'too_many_pixels' });
    expect(await decodeImage(samples.png, { maxInputPixels: 48 })).toMatchObject({ width: 8, height: 6 });
  });

  it('refuses a huge header under its default limit without decoding', async () => {
    await expect(decodeImage(claimSize('png', samples.png, 60000, 60000))).rejects.toMatchObject({ code: 'too_many_pixels' });
  });
});
