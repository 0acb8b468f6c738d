/** models/runtime in headless Chromium (onnxruntime-web, wasm) against the same code on onnxruntime-node. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeBackend } from '../../models/runtime/ort-node.ts';
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

describe.skipIf(skipReason !== undefined)(`models/runtime in headless Chromium${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let harness: BrowserHarness;

  beforeAll(async () => {
    harness = await openBrowserPage(path.join(root, 'test/browser/page.ts'), [
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
});
