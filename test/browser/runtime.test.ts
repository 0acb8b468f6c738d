/** models/runtime in headless Chromium (onnxruntime-web, wasm) against the same code on onnxruntime-node. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RgbaImage } from '../../models/runtime/image.ts';
import { nodeBackend, openUpscaler } from '../../models/runtime/node.ts';
import { browserSkipReason, openBrowserPage, type BrowserHarness } from '../helpers/browser.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const skipReason = browserSkipReason();
const { onnx } = onnxProto;

/** A one-node graph, y = x + x, over float32 [1, 3]: enough to prove the wasm backend loads and runs. */
function doublingGraph(): Uint8Array {
  const tensor = (name: string) => ({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimValue: 1 }, { dimValue: 3 }] } } },
  });
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: { name: 'double', node: [{ opType: 'Add', input: ['x', 'x'], output: ['y'] }], input: [tensor('x')], output: [tensor('y')] },
  }).finish();
}

/** 70x45 with a smooth colour gradient, a hard-edged checkerboard in blue and an alpha ramp with a transparent hole. */
function testImage(width = 70, height = 45): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      data[i] = Math.round((255 * x) / (width - 1));
      data[i + 1] = Math.round((255 * y) / (height - 1));
      data[i + 2] = ((x >> 3) + (y >> 3)) % 2 ? 230 : 20;
      const hole = x >= 40 && x < 52 && y >= 10 && y < 22;
      data[i + 3] = hole ? 0 : Math.round(255 - (160 * y) / (height - 1));
    }
  }
  return { width, height, data };
}

function maxAbsDifference(a: Uint8Array, b: Uint8Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/** Mean absolute difference from a nearest-neighbour enlargement: small for any plausible upscale of `source`. */
function meanDifferenceFromNearest(source: RgbaImage, result: RgbaImage, scale: number): number {
  let sum = 0;
  for (let y = 0; y < result.height; y++) {
    for (let x = 0; x < result.width; x++) {
      const from = (Math.floor(y / scale) * source.width + Math.floor(x / scale)) * 4;
      const to = (y * result.width + x) * 4;
      for (let c = 0; c < 4; c++) sum += Math.abs(source.data[from + c]! - result.data[to + c]!);
    }
  }
  return sum / result.data.length;
}

describe.skipIf(skipReason !== undefined)(`models/runtime in headless Chromium${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let harness: BrowserHarness;

  beforeAll(async () => {
    harness = await openBrowserPage(path.join(root, 'test/browser/page.ts'), [
      { prefix: '/model/', dir: path.join(root, 'models/zoo/bicubic'), extensions: ['.json', '.onnx'] },
      { prefix: '/fast/', dir: path.join(root, 'models/zoo/tsdsr-fast'), extensions: ['.json', '.onnx'] },
      { prefix: '/ort/', dir: path.join(root, 'node_modules/onnxruntime-web/dist'), extensions: ['.wasm', '.mjs'] },
    ], 'tsdsrPage');
  });
  afterAll(async () => harness?.close());

  it('runs a graph on onnxruntime-web (wasm) with the same result as onnxruntime-node', async () => {
    const graph = doublingGraph();
    const values = [0.25, -1.5, 3];
    const request = { wasmUrl: `${harness.baseUrl}/ort/`, graphBase64: Buffer.from(graph).toString('base64'), input: 'x', output: 'y', dims: [1, 3], values };
    const inBrowser = await harness.page.evaluate((r) => window.tsdsrPage!.runGraph(r), request);
    const session = await nodeBackend.createSession(graph, 'cpu');
    const inNode = await session.run({ x: { data: Float32Array.from(values), dims: [1, 3] } });
    await session.dispose();
    expect(inBrowser).toEqual(Array.from(inNode.y!.data));
    expect(inBrowser).toEqual([0.5, -3, 6]);
  });

  it('upscales the bicubic model x4 in tiles within 1/255 of onnxruntime-node', async () => {
    const image = testImage();
    const options = { scale: 4, tileSize: 32, overlap: 8, colorFix: 'none' as const };
    const encoded = { width: image.width, height: image.height, base64: Buffer.from(image.data).toString('base64') };
    const request = { wasmUrl: `${harness.baseUrl}/ort/`, modelUrl: `${harness.baseUrl}/model/`, image: encoded, options };
    const inBrowser = await harness.page.evaluate((r) => window.tsdsrPage!.upscale(r), request);

    const upscaler = await openUpscaler(path.join(root, 'models/zoo/bicubic'), 'cpu');
    let tiles = 0;
    const inNode = await upscaler.upscale(image, { ...options, onProgress: (p) => (tiles = p.tilesTotal) });
    await upscaler.dispose();

    expect(tiles).toBeGreaterThan(1);
    expect([inBrowser.width, inBrowser.height]).toEqual([280, 180]);
    expect([inNode.width, inNode.height]).toEqual([280, 180]);
    const browserData = new Uint8Array(Buffer.from(inBrowser.base64, 'base64'));
    expect(browserData.length).toBe(inNode.data.length);
    expect(maxAbsDifference(browserData, inNode.data)).toBeLessThanOrEqual(1);
    expect(meanDifferenceFromNearest(image, inNode, 4)).toBeLessThan(16);
  });

  it('runs the default model per tile, its finish graph and its alpha pass within 1/255 of onnxruntime-node', async () => {
    const image = testImage(48, 40); // a hole with hard alpha edges, so the alpha pass runs too
    const options = { scale: 2 };
    const encoded = { width: image.width, height: image.height, base64: Buffer.from(image.data).toString('base64') };
    const request = { wasmUrl: `${harness.baseUrl}/ort/`, modelUrl: `${harness.baseUrl}/fast/`, image: encoded, options };
    const inBrowser = await harness.page.evaluate((r) => window.tsdsrPage!.upscale(r), request);
    const upscaler = await openUpscaler(path.join(root, 'models/zoo/tsdsr-fast'), 'cpu');
    expect(upscaler.manifest.latent?.perTile).toBe(true);
    expect(upscaler.manifest.graphs.finish).toBe('finish.onnx');
    const inNode = await upscaler.upscale(image, options);
    await upscaler.dispose();
    expect([inBrowser.width, inBrowser.height]).toEqual([96, 80]);
    expect(maxAbsDifference(new Uint8Array(Buffer.from(inBrowser.base64, 'base64')), inNode.data)).toBeLessThanOrEqual(1);
  }, 60_000);
});
