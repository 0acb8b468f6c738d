/** A WebSocket test client that records every frame in order, so tests can check pairing of result JSON and PNG. */
import WebSocket from 'ws';
import { decodeServerMessage, type ServerHello, type ServerMessage } from '../../bridge-server/src/protocol/index.ts';

/** One thing the client received. */
export type Frame =
  | { kind: 'json'; message: ServerMessage }
  | { kind: 'binary'; bytes: Buffer }
  | { kind: 'close'; code: number; reason: string };

/** How a job ended for the client. */
export type JobOutcome = { id: string; ok: true; width: number; height: number; png: Buffer } | { id: string; ok: false; code: string };

/** A client over a real socket. */
export class TestClient {
  readonly frames: Frame[] = [];
  #read = 0;
  #wake: (() => void) | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer, isBinary) => {
      if (isBinary) this.#push({ kind: 'binary', bytes: data });
      else {
        const decoded = decodeServerMessage(data.toString('utf8'));
        if (!decoded.ok) throw new Error(`server sent an invalid frame: ${decoded.reason}`);
        this.#push({ kind: 'json', message: decoded.message });
      }
    });
    socket.on('close', (code, reason) => this.#push({ kind: 'close', code, reason: reason.toString() }));
  }

  /** Opens a connection (no hello yet). */
  static connect(url: string, headers: Record<string, string> = {}): Promise<TestClient> {
    const socket = new WebSocket(url, { headers });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new TestClient(socket)));
      socket.once('error', reject);
      socket.once('unexpected-response', (req, res) => {
        req.destroy();
        reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode }));
      });
    });
  }

  /** Connects and completes the handshake. */
  static async paired(url: string, token: string): Promise<TestClient> {
    const client = await TestClient.connect(url);
    const hello = await client.hello(token);
    if (hello.type !== 'hello') throw new Error(`handshake failed: ${JSON.stringify(hello)}`);
    return client;
  }

  #push(frame: Frame): void {
    this.frames.push(frame);
    this.#wake?.();
  }

  /** The next unread frame. */
  async next(timeoutMs = 15_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (this.#read >= this.frames.length) {
      if (Date.now() > deadline) throw new Error(`no frame within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, 50);
      });
    }
    return this.frames[this.#read++]!;
  }

  /** The next JSON message (fails on anything else). */
  async nextMessage(): Promise<ServerMessage> {
    const frame = await this.next();
    if (frame.kind !== 'json') throw new Error(`expected a JSON frame, got ${frame.kind}`);
    return frame.message;
  }

  /** Sends a JSON text frame. */
  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Sends hello and returns the server's answer (hello or error). */
  async hello(token: string, protocol = 1): Promise<ServerHello | ServerMessage> {
    this.send({ type: 'hello', protocol, client: { name: 'test', version: '0' }, token });
    return this.nextMessage();
  }

  /** Sends an upscale message and its image. */
  upscale(id: string, image: Buffer, options: { model?: string; scale?: number; tile?: number } = {}): void {
    this.send({ type: 'upscale', id, model: options.model ?? 'bicubic', scale: options.scale ?? 2, ...(options.tile ? { tile: options.tile } : {}) });
    this.socket.send(image, { binary: true });
  }

  /** Reads frames until `count` jobs ended; checks each result JSON is followed at once by its PNG. */
  async outcomes(count: number): Promise<JobOutcome[]> {
    const ended: JobOutcome[] = [];
    while (ended.length < count) {
      const frame = await this.next();
      if (frame.kind === 'close') throw new Error(`closed: ${frame.code}`);
      if (frame.kind === 'binary') throw new Error('binary frame without a result message');
      const m = frame.message;
      if (m.type === 'error' && m.id !== undefined) ended.push({ id: m.id, ok: false, code: m.code });
      if (m.type !== 'result') continue;
      const png = await this.next();
      if (png.kind !== 'binary') throw new Error('result message not followed by its PNG');
      ended.push({ id: m.id, ok: true, width: m.width, height: m.height, png: png.bytes });
    }
    return ended;
  }

  /** Waits until the connection is closed; returns the close frame. */
  async closed(): Promise<{ code: number; reason: string }> {
    for (;;) {
      const frame = await this.next();
      if (frame.kind === 'close') return frame;
    }
  }

  /** Closes politely. */
  close(): void {
    this.socket.close();
  }
}
