/** A minimal WebSocket client for the queue bench: pairs, submits jobs and times each from its send to its PNG. */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { decodeServerMessage } from '../../bridge-server/src/protocol/index.ts';

/** One finished job as the client saw it. */
export interface TimedResult {
  ms: number;
  width: number;
  height: number;
}

interface Waiting {
  sentAt: number;
  resolve(result: TimedResult): void;
  reject(error: Error): void;
  size?: { width: number; height: number };
}

/** A paired connection to a bridge. */
export class BenchClient {
  readonly #waiting = new Map<string, Waiting>();
  /** The job whose result message came and whose PNG frame is next. */
  #binaryFor: string | undefined;
  #helloDone!: () => void;
  readonly #hello = new Promise<void>((resolve) => (this.#helloDone = resolve));

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: Buffer, isBinary) => (isBinary ? this.#onPng() : this.#onText(data.toString('utf8'))));
    socket.on('close', () => {
      for (const job of this.#waiting.values()) job.reject(new Error('the connection closed'));
    });
  }

  /** Connects and sends hello with the token. */
  static async open(wsUrl: string, token: string): Promise<BenchClient> {
    const socket = new WebSocket(wsUrl);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const client = new BenchClient(socket);
    socket.send(JSON.stringify({ type: 'hello', protocol: 1, client: { name: 'bench-queue', version: '0' }, token }));
    await client.#hello;
    return client;
  }

  /** Sends one job; resolves with its latency once its PNG arrived, rejects with the bridge's error. */
  submit(id: string, model: string, scale: number, png: Buffer): Promise<TimedResult> {
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { sentAt: performance.now(), resolve, reject });
      this.socket.send(JSON.stringify({ type: 'upscale', id, model, scale }));
      this.socket.send(png, { binary: true });
    });
  }

  close(): void {
    this.socket.close();
  }

  #onText(text: string): void {
    const decoded = decodeServerMessage(text);
    if (!decoded.ok) throw new Error(`the bridge sent an invalid frame: ${decoded.reason}`);
    const message = decoded.message;
    if (message.type === 'hello') return this.#helloDone();
    if (message.type === 'result') {
      const job = this.#waiting.get(message.id);
      if (job) job.size = { width: message.width, height: message.height };
      this.#binaryFor = message.id;
      return;
    }
    if (message.type === 'error') {
      const job = message.id === undefined ? undefined : this.#waiting.get(message.id);
      if (!job) throw new Error(`bridge error: ${message.code} ${message.message}`);
      this.#waiting.delete(message.id!);
      job.reject(new Error(`${message.id}: ${message.code} ${message.message}`));
    }
  }

  #onPng(): void {
    const id = this.#binaryFor;
    this.#binaryFor = undefined;
    const job = id === undefined ? undefined : this.#waiting.get(id);
    if (!job?.size) throw new Error('a PNG frame without its result message');
    this.#waiting.delete(id!);
    job.resolve({ ms: performance.now() - job.sentAt, ...job.size });
  }
}
