/**
 * One WebSocket client of the load bench: submits jobs with a window of jobs in flight, timestamps each job's replies,
 * and records anything that breaks the protocol's promises (a reply for a job this connection never sent, a second
 * terminal reply, a result not followed at once by its PNG).
 */
import WebSocket from 'ws';
import { decodeServerMessage, PROTOCOL_VERSION, type ServerMessage } from '../../bridge-server/src/protocol/index.ts';
import type { JobImage } from './job-images.ts';

/** How a job ended, as this client saw it. */
export type JobOutcome =
  | { kind: 'result'; width: number; height: number; png: Buffer }
  | { kind: 'error'; code: string; message: string };

/** What to submit: the job's id and image, and an optional hook called when it is accepted or first reports progress. */
export interface JobSpec {
  id: string;
  image: JobImage;
  tile?: number;
  hook?: (event: 'accepted' | 'progress', job: JobRecord, client: LoadClient) => void;
}

/** One job's timeline (performance.now() milliseconds) and outcome. */
export interface JobRecord {
  spec: JobSpec;
  submittedAt: number;
  acceptedAt?: number;
  position?: number;
  firstProgressAt?: number;
  endedAt?: number;
  outcome?: JobOutcome;
  /** Terminal replies received (result or error); more than one is a protocol violation. */
  terminalReplies: number;
  cancelSentAt?: number;
  /** The error code that answered our cancel when the job had already ended (`unknown_job`). */
  cancelAnswer?: string;
}

/** What every job of this client asks for. */
export interface JobSettings {
  model: string;
  scale: number;
}

/** A paired WebSocket client that runs a list of jobs. */
export class LoadClient {
  readonly jobs = new Map<string, JobRecord>();
  /** Protocol violations seen on this connection, in words. */
  readonly anomalies: string[] = [];
  /** When the last frame arrived (performance.now()). */
  lastFrameAt = performance.now();
  closed = false;
  #awaitingPng: { id: string; width: number; height: number } | undefined;
  #backlog: JobSpec[] = [];
  #inFlight = 0;
  #window = 1;

  private constructor(private readonly socket: WebSocket, private readonly settings: JobSettings) {
    socket.on('message', (data: Buffer, isBinary) => this.#onFrame(data, isBinary));
    socket.on('close', (code) => {
      if (!this.closed) this.anomalies.push(`the bridge closed the connection (${code})`);
      this.closed = true;
    });
    socket.on('error', (err) => this.anomalies.push(`socket error: ${err.message}`));
  }

  /** Connects (no Origin header, so the bridge treats it as a script), sends hello with the token and waits for the answer. */
  static async open(url: string, token: string, name: string, settings: JobSettings): Promise<LoadClient> {
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
      socket.once('unexpected-response', (req, res) => {
        req.destroy();
        reject(new Error(`WebSocket upgrade refused: HTTP ${res.statusCode}`));
      });
    });
    const hello = new Promise<ServerMessage>((resolve, reject) => {
      socket.once('message', (data: Buffer) => {
        const decoded = decodeServerMessage(data.toString('utf8'));
        if (decoded.ok) resolve(decoded.message);
        else reject(new Error(`invalid hello answer: ${decoded.reason}`));
      });
      socket.once('close', (code) => reject(new Error(`closed during the handshake (${code})`)));
    });
    socket.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, client: { name, version: '0' }, token }));
    const answer = await hello;
    if (answer.type !== 'hello') throw new Error(`handshake refused: ${JSON.stringify(answer)}`);
    return new LoadClient(socket, settings);
  }

  /** Queues jobs to run with at most `window` of them submitted and not yet ended. */
  run(specs: readonly JobSpec[], window: number): void {
    this.#backlog.push(...specs);
    this.#window = window;
    this.#refill();
  }

  /** True when every job handed to run() has ended (or the connection is gone). */
  get done(): boolean {
    return this.closed || (this.#backlog.length === 0 && this.#inFlight === 0);
  }

  /** Sends `cancel` for a job. */
  cancel(id: string): void {
    const job = this.jobs.get(id);
    if (job) job.cancelSentAt = performance.now();
    this.#sendJson({ type: 'cancel', id });
  }

  /** Closes the connection: politely (close frame) or by dropping the TCP connection. */
  disconnect(how: 'close' | 'drop' = 'close'): void {
    this.closed = true;
    if (how === 'drop') this.socket.terminate();
    else this.socket.close();
  }

  #refill(): void {
    while (!this.closed && this.#inFlight < this.#window && this.#backlog.length > 0) {
      const spec = this.#backlog.shift()!;
      this.#inFlight++;
      const { model, scale } = this.settings;
      this.jobs.set(spec.id, { spec, submittedAt: performance.now(), terminalReplies: 0 });
      this.#sendJson({ type: 'upscale', id: spec.id, model, scale, ...(spec.tile ? { tile: spec.tile } : {}) });
      this.socket.send(spec.image.png, { binary: true });
    }
  }

  #sendJson(message: unknown): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  #onFrame(data: Buffer, isBinary: boolean): void {
    const now = performance.now();
    this.lastFrameAt = now;
    const awaiting = this.#awaitingPng;
    this.#awaitingPng = undefined;
    if (isBinary) {
      if (!awaiting) return void this.anomalies.push('binary frame without a result message before it');
      return this.#end(awaiting.id, now, { kind: 'result', width: awaiting.width, height: awaiting.height, png: data });
    }
    if (awaiting) this.anomalies.push(`result for ${awaiting.id} not followed at once by its PNG`);
    const decoded = decodeServerMessage(data.toString('utf8'));
    if (!decoded.ok) return void this.anomalies.push(`invalid server frame: ${decoded.reason}`);
    this.#onMessage(decoded.message, now);
  }

  #onMessage(message: ServerMessage, now: number): void {
    if (message.type === 'hello') return void this.anomalies.push('second hello');
    if (message.id === undefined) return void this.anomalies.push(`error without a job id: ${'code' in message ? message.code : ''}`);
    const job = this.jobs.get(message.id);
    if (!job) return void this.anomalies.push(`misdelivered: ${message.type} for ${message.id}, never sent on this connection`);
    if (message.type === 'accepted') {
      job.acceptedAt = now;
      job.position = message.position;
      return job.spec.hook?.('accepted', job, this);
    }
    if (message.type === 'progress') {
      if (job.firstProgressAt !== undefined) return;
      job.firstProgressAt = now;
      return job.spec.hook?.('progress', job, this);
    }
    if (message.type === 'result') {
      this.#awaitingPng = { id: message.id, width: message.width, height: message.height };
      return;
    }
    if (message.code === 'unknown_job' && job.cancelSentAt !== undefined) {
      job.cancelAnswer = message.code;
      return;
    }
    this.#end(message.id, now, { kind: 'error', code: message.code, message: message.message });
  }

  #end(id: string, now: number, outcome: JobOutcome): void {
    const job = this.jobs.get(id)!;
    job.terminalReplies++;
    if (job.terminalReplies > 1) return void this.anomalies.push(`second terminal reply (${outcome.kind}) for ${id}`);
    job.endedAt = now;
    job.outcome = outcome;
    this.#inFlight--;
    this.#refill();
  }
}
