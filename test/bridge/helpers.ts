/** Shared test helpers: temp config dirs, tiny images, a running bridge, a gated fake model and a WebSocket client. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { CancelledError, type RgbaImage, type Upscaler } from '../../models/runtime/index.ts';
import { buildApp, type BridgeOptions } from '../../bridge-server/src/app.ts';
import { nodeRuntime, type BridgeRuntime } from '../../bridge-server/src/runtime.ts';

/** A fresh config dir, also set as TSDSR_CONFIG_DIR; call the returned function to remove it. */
export async function tempConfigDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tsdsr-test-'));
  process.env.TSDSR_CONFIG_DIR = dir;
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A small PNG with varied pixels and, when asked, an alpha gradient. */
export async function makePng(width: number, height: number, alpha = true): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      data.set([(x * 37) % 256, (y * 59) % 256, ((x + y) * 13) % 256, alpha ? Math.round((255 * x) / Math.max(1, width - 1)) : 255], i);
    }
  }
  return sharp(data, { raw: { width, height, channels: 4 } }).png().toBuffer();
}

/** Lets fake tiles through one at a time, or all at once after `open()`. */
export class Gate {
  #permits = 0;
  #open = false;
  #waiters: (() => void)[] = [];

  /** Lets `count` more tiles through. */
  release(count = 1): void {
    this.#permits += count;
    this.#wake();
  }

  /** Lets every tile through from now on. */
  open(): void {
    this.#open = true;
    this.#wake();
  }

  /** Waits for a permit; returns early (without taking one) when the signal aborts. */
  async pass(signal?: AbortSignal): Promise<void> {
    while (!this.#open && this.#permits === 0 && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    if (!this.#open && !signal?.aborted) this.#permits--;
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }
}

function nearest(image: RgbaImage, width: number, height: number): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(image.height - 1, Math.floor((y * image.height) / height));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(image.width - 1, Math.floor((x * image.width) / width));
      data.set(image.data.subarray((sy * image.width + sx) * 4, (sy * image.width + sx) * 4 + 4), (y * width + x) * 4);
    }
  }
  return { width, height, data };
}

/** The real runtime with a fake model: nearest-neighbour in `tiles` steps, each waiting at the gate; logs which inputs started. */
export function gatedRuntime(tiles = 2): { runtime: BridgeRuntime; gate: Gate; started: string[] } {
  const gate = new Gate();
  const started: string[] = [];
  const openUpscaler = async (dir: string): Promise<Upscaler> => {
    const manifest = await nodeRuntime.loadModelDir(dir);
    return {
      manifest,
      device: 'cpu',
      async upscale(image, { scale, signal, onProgress }) {
        started.push(`${image.width}x${image.height}`);
        for (let done = 1; done <= tiles; done++) {
          await gate.pass(signal);
          if (signal?.aborted) throw new CancelledError();
          onProgress?.({ stage: 'upscale', tilesDone: done, tilesTotal: tiles });
        }
        return nearest(image, Math.round(image.width * scale), Math.round(image.height * scale));
      },
      async dispose() {},
    };
  };
  return { runtime: { ...nodeRuntime, openUpscaler }, gate, started };
}

/** A bridge listening on an ephemeral port of 127.0.0.1. */
export interface RunningBridge {
  app: Awaited<ReturnType<typeof buildApp>>;
  token: string;
  httpUrl: string;
  wsUrl: string;
}

/** Builds and starts a bridge on the CPU with a fixed token. */
export async function startBridge(options: BridgeOptions = {}): Promise<RunningBridge> {
  const token = 'test-token-0123456789abcdefghijklmnopqrstuvwxyz';
  const app = await buildApp({ device: 'cpu', token, ...options });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { app, token, httpUrl: `http://127.0.0.1:${address.port}`, wsUrl: `ws://127.0.0.1:${address.port}/v1/ws` };
}

/** Size of a PNG and whether it has an alpha channel. */
export async function pngInfo(bytes: Uint8Array): Promise<{ width: number; height: number; format: string; hasAlpha: boolean }> {
  const meta = await sharp(bytes).metadata();
  return { width: meta.width!, height: meta.height!, format: meta.format!, hasAlpha: meta.hasAlpha };
}
