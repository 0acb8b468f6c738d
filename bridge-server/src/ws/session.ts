/** One WebSocket client: handshake, validation of every frame, job submission, and results on this socket only. */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { OWNER } from '../auth/users.ts';
import { BridgeError, toBridgeError } from '../errors.ts';
import { answerWrongToken, checkRateLimit, lockedOutError } from '../plugins/security.ts';
import {
  CLOSE_CODES, MAX_TEXT_FRAME_BYTES, PROTOCOL_VERSION, decodeClientMessage,
  type ClientHello, type ClientMessage, type ServerMessage, type UpscaleMessage,
} from '../protocol/index.ts';
import { modelInfo } from '../registry.ts';
import type { UpscaleResult } from '../upscale-service.ts';

type Pending = { message: UpscaleMessage } | { discard: true };
type HandshakeCode = 'bad_request' | 'unauthorized' | 'version_mismatch' | 'rate_limited';

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

/** The state of one connection, from `hello` to close. */
export class ClientSession {
  /** This connection's own id. */
  readonly connectionId = `ws:${randomUUID()}`;
  /** Who paired (`owner` for the pairing token, else a user's name); empty before `hello`. */
  #user = '';
  /** Queue ids of this connection's accepted jobs that have not ended yet. */
  readonly #jobs = new Set<string>();
  #ready = false;
  #closed = false;
  /** A wrong token is being answered (after the throttle's delay); frames meanwhile are ignored. */
  #refusing = false;
  #pending: Pending | undefined;
  readonly #submitting = new Set<string>();
  readonly #cancelRequested = new Set<string>();
  readonly #helloTimer: NodeJS.Timeout;
  /** Submissions run one after another so jobs queue in the order the client sent them. */
  #submissions: Promise<void> = Promise.resolve();

  /** `address`: the client's address, for wrong-token throttling. */
  constructor(private readonly socket: WebSocket, private readonly app: FastifyInstance, private readonly address: string) {
    socket.on('message', (data, isBinary) => {
      // A bug in handling one frame must not take the whole bridge down: it is logged and answered `internal`.
      try {
        if (isBinary) this.#onBinary(toBuffer(data));
        else this.#onText(toBuffer(data));
      } catch (err) {
        this.#sendError(err);
      }
    });
    socket.on('close', () => this.#onClose());
    socket.on('error', (err) => app.log.debug({ err }, 'websocket error'));
    this.#helloTimer = setTimeout(() => this.#refuse('bad_request', 'no hello message arrived in time'), app.bridgeConfig.limits.helloTimeoutMs);
  }

  /**
   * The queue identity (fairness and the per-client cap): a named user's name, so many connections of one user share one
   * turn; the owner (pairing token) keeps one identity per connection, as in the one-person setup.
   */
  get clientId(): string {
    return this.#user === OWNER || this.#user === '' ? this.connectionId : `user:${this.#user}`;
  }

  /** The job id in the queue: a named user's connections may reuse ids, so theirs carry the connection. */
  #queueJobId(id: string): string {
    return this.clientId === this.connectionId ? id : `${this.connectionId}/${id}`;
  }

  /** Who paired: `owner` for the pairing token, else a user's name; empty before `hello`. */
  get user(): string {
    return this.#user;
  }

  /** True once the client has presented the right token. */
  get ready(): boolean {
    return this.#ready;
  }

  /** Ends the session because the token it paired with was replaced (`tsdsr token --rotate`) or revoked (`tsdsr token revoke`); its jobs are cancelled. */
  revoke(reason = 'the pairing token was changed (tsdsr token --rotate); pair again with the new token (run `tsdsr token` to see it)'): void {
    if (this.#closed) return;
    this.#refuse('unauthorized', reason);
  }

  #onText(frame: Buffer): void {
    if (this.#closed || this.#refusing) return;
    if (frame.length > MAX_TEXT_FRAME_BYTES) return this.#textProblem(`text frames are limited to ${MAX_TEXT_FRAME_BYTES} bytes`);
    const decoded = decodeClientMessage(frame.toString('utf8'));
    if (!this.#ready) return this.#onHandshake(decoded.ok ? decoded.message : undefined, decoded.ok ? '' : decoded.reason);
    if (!decoded.ok) {
      if (decoded.type === 'upscale') this.#expectImage({ discard: true });
      return this.#sendError(new BridgeError('bad_request', decoded.reason), decoded.id);
    }
    const message = decoded.message;
    if (message.type === 'hello') return this.#sendError(new BridgeError('bad_request', 'hello was already received'));
    if (message.type === 'cancel') return this.#cancel(message.id);
    this.#expectImage({ message });
  }

  #textProblem(reason: string): void {
    if (!this.#ready) return this.#refuse('bad_request', reason);
    this.#sendError(new BridgeError('bad_request', reason));
  }

  #onHandshake(message: ClientMessage | undefined, reason: string): void {
    if (!message) return this.#refuse('bad_request', `expected a hello message first (${reason})`);
    if (message.type !== 'hello') return this.#refuse('bad_request', `expected a hello message first, got ${message.type}`);
    const hello: ClientHello = message;
    if (hello.protocol !== PROTOCOL_VERSION) {
      return this.#refuse('version_mismatch', `this server speaks protocol ${PROTOCOL_VERSION}, the client ${hello.protocol}; update the older side`);
    }
    const { tokens, authThrottle } = this.app;
    const lockedMs = authThrottle.lockedFor(this.address);
    if (lockedMs > 0) return this.#refuse('rate_limited', lockedOutError(lockedMs).message);
    const user = tokens.identify(hello.token);
    if (user === undefined) {
      this.#refusing = true;
      clearTimeout(this.#helloTimer);
      void answerWrongToken(authThrottle, this.address).then(() => this.#refuse('unauthorized', 'the pairing token is wrong (run `tsdsr token` to see it)'));
      return;
    }
    authThrottle.succeed(this.address);
    clearTimeout(this.#helloTimer);
    this.#ready = true;
    this.#user = user;
    const { registry, runtime, bridgeConfig } = this.app;
    this.app.log.info(`client ${hello.client.name} ${hello.client.version} connected as user ${user}`);
    this.#send({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      server: { name: 'tsdsr', version: bridgeConfig.version },
      models: registry.list().map((entry) => modelInfo(entry.manifest)),
      devices: [...runtime.devices],
    });
  }

  #expectImage(next: Pending): void {
    const previous = this.#pending;
    if (previous && 'message' in previous) {
      this.#sendError(new BridgeError('bad_request', 'an upscale message must be followed by its image as one binary frame'), previous.message.id);
    }
    this.#pending = next;
  }

  #onBinary(bytes: Buffer): void {
    if (this.#closed || this.#refusing) return;
    if (!this.#ready) return this.#refuse('bad_request', 'expected a hello message first, got a binary frame');
    const pending = this.#pending;
    this.#pending = undefined;
    if (!pending) return this.#sendError(new BridgeError('bad_request', 'a binary frame must follow an upscale message'));
    if (!('message' in pending)) return;
    const { message } = pending;
    if (this.#submitting.has(message.id) || this.app.jobs.has(this.clientId, this.#queueJobId(message.id))) {
      return this.#sendError(new BridgeError('bad_request', `job id '${message.id}' is already in use by one of your jobs`), message.id);
    }
    this.#submitting.add(message.id);
    this.#submissions = this.#submissions.then(() => this.#submit(message, bytes));
  }

  async #submit(message: UpscaleMessage, bytes: Buffer): Promise<void> {
    const { id } = message;
    const queueJobId = this.#queueJobId(id);
    let accepted = false;
    try {
      checkRateLimit(this.app.rateLimit, this.#user);
      const request = { model: message.model, scale: message.scale, tile: message.tile, colorFix: message.colorFix, bytes };
      const { position, result } = await this.app.upscales.submit(this.clientId, queueJobId, request, (progress) => {
        if (accepted) this.#send({ type: 'progress', id, ...progress });
      });
      this.#jobs.add(queueJobId);
      void result.finally(() => this.#jobs.delete(queueJobId)).catch(() => undefined);
      result.then((output) => this.#sendResult(id, output), (err: unknown) => this.#sendError(err, id));
      this.#send({ type: 'accepted', id, position });
      accepted = true;
      if (this.#cancelRequested.has(id) || this.#closed) this.app.jobs.cancel(this.clientId, queueJobId);
    } catch (err) {
      this.#sendError(err, id);
    } finally {
      this.#submitting.delete(id);
      this.#cancelRequested.delete(id);
    }
  }

  #cancel(id: string): void {
    if (this.#pending && 'message' in this.#pending && this.#pending.message.id === id) {
      this.#pending = { discard: true };
      return this.#sendError(new BridgeError('cancelled', 'the job was cancelled'), id);
    }
    if (this.#submitting.has(id)) {
      this.#cancelRequested.add(id);
      return;
    }
    if (!this.app.jobs.cancel(this.clientId, this.#queueJobId(id))) {
      this.#sendError(new BridgeError('unknown_job', `no queued or running job with id '${id}' (it may have finished)`), id);
    }
  }

  #sendResult(id: string, output: UpscaleResult): void {
    const { width, height, model, scale, png, choice, smoothing } = output;
    this.#send({ type: 'result', id, width, height, model, scale, ...(choice ? { choice } : {}), ...(smoothing ? { smoothing } : {}) });
    if (!this.#closed) this.socket.send(png, { binary: true });
  }

  #sendError(err: unknown, id?: string): void {
    const error = toBridgeError(err);
    if (error.code === 'internal') this.app.log.error({ err }, 'websocket job failed');
    const retryAfter = error.retryAfter === undefined ? {} : { retryAfter: error.retryAfter };
    this.#send({ type: 'error', ...(id === undefined ? {} : { id }), code: error.code, message: error.message, ...retryAfter });
  }

  #send(message: ServerMessage): void {
    if (this.#closed || this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(JSON.stringify(message));
  }

  #refuse(code: HandshakeCode, message: string): void {
    if (this.#closed) return;
    this.#sendError(new BridgeError(code, message));
    this.#closed = true;
    clearTimeout(this.#helloTimer);
    this.socket.close(CLOSE_CODES[code], code);
  }

  #onClose(): void {
    this.#closed = true;
    clearTimeout(this.#helloTimer);
    // A named user's other connections share the queue identity, so only this connection's own jobs are cancelled.
    const cancelled = this.clientId === this.connectionId
      ? this.app.jobs.cancelClient(this.clientId)
      : [...this.#jobs].filter((jobId) => this.app.jobs.cancel(this.clientId, jobId)).length;
    if (cancelled > 0) this.app.log.info(`client of user ${this.#user} disconnected; cancelled ${cancelled} job(s)`);
  }
}
