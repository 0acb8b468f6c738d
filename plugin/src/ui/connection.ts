/** Keeps the UI connected to the bridge: pairing, the handshake, diagnosis of failures, and reconnecting with backoff. */
import { PROTOCOL_VERSION, type HealthBody, type ResultMessage, type ServerMessage } from '../../../bridge-server/src/protocol/index.ts';
import { webSocketUrl } from '../settings.ts';
import { BridgeSocket, type HandshakeFailure, type SocketClosed } from './bridge-socket.ts';
import { fetchModels, sameModels } from './models.ts';
import type { ConnectionState, Store } from './state.ts';

/** Seconds to wait before each reconnect attempt; the last repeats. */
export const BACKOFF_SECONDS = Object.freeze([1, 2, 4, 8, 15, 30]);

/** What the run needs to hear from the connection. */
export interface ConnectionListener {
  message(message: Exclude<ServerMessage, { type: 'hello' | 'result' }>): void;
  result(result: ResultMessage, png: Uint8Array): void;
  /** The connection dropped after the handshake (jobs on it are gone). */
  lost(): void;
  /** The handshake finished; queued work may go. */
  ready(): void;
}

/** `GET /v1/health` as far as it can be trusted from any bridge version: every field may be missing; `error` when it refused. */
type Health = Partial<HealthBody> & { error?: { code?: string; message?: string } };

async function probeHealth(baseUrl: string): Promise<Health | undefined> {
  try {
    const response = await fetch(`${baseUrl}/v1/health`, { signal: AbortSignal.timeout(3000) });
    return (await response.json()) as Health;
  } catch {
    return undefined;
  }
}

function incompatibleFrom(health: Health): ConnectionState {
  return {
    kind: 'incompatible',
    ...(health.protocol !== undefined ? { serverProtocol: health.protocol } : {}),
    ...(health.server?.version ? { serverVersion: health.server.version } : {}),
  };
}

/** The one connection to the bridge. */
export class Connection {
  #socket: BridgeSocket | undefined;
  #generation = 0;
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #refreshing: Promise<boolean> | undefined;

  constructor(private readonly store: Store, private readonly listener: ConnectionListener) {}

  /** The socket, once the handshake succeeded. */
  get socket(): BridgeSocket | undefined {
    return this.store.state.connection.kind === 'connected' ? this.#socket : undefined;
  }

  /** Connects (again) with the current address and token; drops any previous connection. */
  connect(): void {
    clearTimeout(this.#timer);
    this.#generation++;
    this.#socket?.close();
    this.#socket = undefined;
    const { token, settings } = this.store.state;
    if (!token) return this.#set({ kind: 'unpaired' });
    this.#set({ kind: 'connecting' });
    const generation = this.#generation;
    const current = () => generation === this.#generation;
    this.#socket = new BridgeSocket(webSocketUrl(settings.bridgeUrl), token, {
      ready: (hello) => {
        if (!current()) return;
        this.#attempt = 0;
        this.#set({ kind: 'connected', serverVersion: hello.server.version, models: hello.models });
        this.listener.ready();
      },
      failed: (failure) => {
        if (!current()) return;
        if (this.store.state.connection.kind === 'connected') this.listener.lost();
        void this.#onFailure(failure);
      },
      message: (message) => current() && this.listener.message(message),
      result: (result, png) => current() && this.listener.result(result, png),
      closed: (info) => current() && void this.#onClosed(info),
    });
  }

  /**
   * Asks the bridge for its model list again (the hello's is a snapshot; `GET /v1/models` also finds models added
   * since). Resolves true when the list changed. One request at a time; nothing happens unless connected.
   */
  refreshModels(): Promise<boolean> {
    this.#refreshing ??= this.#fetchModels().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #fetchModels(): Promise<boolean> {
    const { connection, settings, token } = this.store.state;
    if (connection.kind !== 'connected') return false;
    const generation = this.#generation;
    const models = await fetchModels(settings.bridgeUrl, token);
    const now = this.store.state.connection;
    if (!models || generation !== this.#generation || now.kind !== 'connected' || sameModels(now.models, models)) return false;
    this.#set({ ...now, models });
    return true;
  }

  /** Connects now, forgetting the backoff. */
  retryNow(): void {
    this.#attempt = 0;
    this.connect();
  }

  #set(connection: ConnectionState): void {
    this.store.update((s) => void (s.connection = connection));
  }

  async #onFailure(failure: HandshakeFailure): Promise<void> {
    this.#generation++;
    this.#set(failure);
    if (failure.kind !== 'incompatible' || failure.serverVersion) return;
    const health = await probeHealth(this.store.state.settings.bridgeUrl);
    if (this.store.state.connection.kind === 'incompatible' && health) this.#set(incompatibleFrom(health));
  }

  async #onClosed(info: SocketClosed): Promise<void> {
    this.#socket = undefined;
    if (info.ready) this.listener.lost();
    // Figma blocks an address outside the manifest for good: retrying cannot help until the address changes.
    if (info.cause === 'blocked') return this.#set({ kind: 'blocked' });
    const generation = this.#generation;
    // A socket that never opened says nothing of why; /v1/health does, unless the address does not answer at all.
    const health = info.opened || info.cause === 'timeout' ? undefined : await probeHealth(this.store.state.settings.bridgeUrl);
    if (generation !== this.#generation) return;
    if (health?.protocol !== undefined && health.protocol !== PROTOCOL_VERSION) return this.#set(incompatibleFrom(health));
    const delay = (BACKOFF_SECONDS[Math.min(this.#attempt, BACKOFF_SECONDS.length - 1)] ?? 30) * 1000;
    this.#attempt++;
    const retryAt = Date.now() + delay;
    const reason = typeof health?.error?.message === 'string' ? health.error.message : undefined;
    const refusal = reason ? `The bridge refused the plugin: ${reason}.` : 'The bridge is running but refused the plugin\'s connection.';
    if (health) this.#set({ kind: 'refused', message: refusal, retryAt, ...(reason ? { reasoned: true } : {}) });
    else this.#set({ kind: 'down', retryAt, ...(info.cause === 'timeout' ? { noAnswer: true } : {}) });
    this.#timer = setTimeout(() => this.connect(), delay);
  }
}
