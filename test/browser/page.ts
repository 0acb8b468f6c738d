/** Browser entry for the browser tests: exposes `window.tsdsrPage`, which runs models/runtime with onnxruntime-web (wasm). */
import { configureWasm, webBackend } from '../../models/runtime/ort-web.ts';

/** A float32 graph run on the page: the graph's bytes and one input, all base64 so they cross page.evaluate cheaply. */
export interface GraphRunRequest {
  wasmUrl: string;
  graphBase64: string;
  input: string;
  output: string;
  dims: number[];
  values: number[];
}

/** What the page offers the test. */
export interface TsdsrPage {
  runGraph(request: GraphRunRequest): Promise<number[]>;
}

declare global {
  interface Window {
    tsdsrPage?: TsdsrPage;
  }
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

async function runGraph(request: GraphRunRequest): Promise<number[]> {
  configureWasm(request.wasmUrl, 1);
  const session = await webBackend.createSession(fromBase64(request.graphBase64), 'cpu');
  try {
    const outputs = await session.run({ [request.input]: { data: Float32Array.from(request.values), dims: request.dims } });
    const result = outputs[request.output];
    if (!result) throw new Error(`graph produced no ${request.output}`);
    return Array.from(result.data);
  } finally {
    await session.dispose();
  }
}

window.tsdsrPage = { runGraph };
