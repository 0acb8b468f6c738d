/**
 * The one place that knows onnxruntime's API. `ort-node.ts` and `ort-web.ts` inject their
 * onnxruntime package; everything else sees only `OrtBackend` and `ModelSession`.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-common';

/** A device the user may ask for. */
export type DeviceChoice = 'auto' | 'cpu' | 'webgpu' | 'cuda';
/** A device a session actually runs on. */
export type Device = Exclude<DeviceChoice, 'auto'>;
export const DEVICE_CHOICES: readonly DeviceChoice[] = Object.freeze(['auto', 'cpu', 'webgpu', 'cuda']);

/** Execution providers per device, and the order `auto` tries them in (fastest first). */
const EXECUTION_PROVIDERS: Readonly<Record<Device, string>> = Object.freeze({
  cuda: 'cuda',
  webgpu: 'webgpu',
  cpu: 'cpu',
});
const AUTO_ORDER: readonly Device[] = Object.freeze(['cuda', 'webgpu', 'cpu']);

/** A float32 tensor as plain data. */
export interface FloatTensor {
  data: Float32Array;
  dims: readonly number[];
}

/** A loaded graph on one device. */
export interface ModelSession {
  readonly device: Device;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, FloatTensor>): Promise<Record<string, FloatTensor>>;
  dispose(): Promise<void>;
}

/** Creates sessions on a device, falling back to the next one with a logged reason. */
export interface OrtBackend {
  /** Devices this build of onnxruntime has providers for (they may still fail to start). */
  readonly devices: readonly Device[];
  /** `model`: ONNX bytes, or (Node) a file path, which lets onnxruntime find external weight files next to it. */
  createSession(model: ModelSource, device: DeviceChoice, log?: (message: string) => void): Promise<ModelSession>;
}

/** A graph to load: ONNX bytes, or a file path where the onnxruntime package reads files (Node). */
export type ModelSource = Uint8Array | string;

/** The slice of an onnxruntime package (node or web) that the backend uses. */
export interface OrtModule {
  InferenceSession: { create(model: ModelSource, options?: InferenceSession.SessionOptions): Promise<InferenceSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => Tensor;
}

/** Order in which devices are tried for a choice: `auto` tries all available, fastest first; an explicit device falls back to CPU. */
export function deviceAttempts(choice: DeviceChoice, available: readonly Device[]): Device[] {
  if (choice === 'auto') return AUTO_ORDER.filter((d) => available.includes(d));
  return choice === 'cpu' ? ['cpu'] : [choice, 'cpu'];
}

function wrapSession(ort: OrtModule, session: InferenceSession, device: Device): ModelSession {
  return {
    device,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds) {
      const ortFeeds: Record<string, Tensor> = {};
      for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor('float32', t.data, t.dims);
      const results = await session.run(ortFeeds);
      const out: Record<string, FloatTensor> = {};
      for (const [name, t] of Object.entries(results)) {
        if (t.type !== 'float32') throw new TypeError(`output ${name} is ${t.type}, expected float32`);
        out[name] = { data: (await t.getData()) as Float32Array, dims: t.dims };
        t.dispose();
      }
      return out;
    },
    dispose: () => session.release(),
  };
}

/** The readable part of an onnxruntime error: its first line without the source location and failed check. */
function shortReason(err: unknown): string {
  const first = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
  const reason = first.split(' was false. ').pop() ?? first;
  return reason.length > 160 ? `${reason.slice(0, 157)}...` : reason;
}

/**
 * Builds an OrtBackend over an injected onnxruntime package. `unavailable` gives the reason for
 * each device this machine lacks; asking for one explicitly logs that reason, `auto` skips it quietly.
 */
export function createOrtBackend(ort: OrtModule, devices: readonly Device[], unavailable: Partial<Record<Device, string>> = {}): OrtBackend {
  return {
    devices,
    async createSession(model, choice, log = () => {}) {
      const reasons: string[] = [];
      for (const device of deviceAttempts(choice, devices)) {
        if (!devices.includes(device)) {
          reasons.push(`${device}: ${unavailable[device] ?? 'not available in this onnxruntime build'}`);
          continue;
        }
        try {
          const session = await ort.InferenceSession.create(model, {
            executionProviders: [EXECUTION_PROVIDERS[device]],
            graphOptimizationLevel: 'all',
            // a provider that cannot start is reported once, by us, with its reason
            logSeverityLevel: device === 'cpu' ? 3 : 4,
          });
          if (reasons.length > 0) log(`running on ${device} (${reasons.join('; ')})`);
          return wrapSession(ort, session, device);
        } catch (err) {
          reasons.push(`${device}: ${shortReason(err)}`);
        }
      }
      throw new Error(`no device could run the model: ${reasons.join('; ')}`);
    },
  };
}
