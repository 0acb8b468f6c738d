/** One WebSocket to the bridge (protocol v1): the hello handshake, validated frames, and each result paired with its PNG. */
import {
  decodeServerMessage, PROTOCOL_VERSION,
  type ClientMessage, type ErrorMessage, type ResultMessage, type ServerHello, type ServerMessage, type UpscaleMessage,
} from '../../../bridge-server/src/protocol/index.ts';
import { PLUGIN_CLIENT_NAME, PLUGIN_VERSION } from '../version.ts';

/** Why a handshake did not end in a usable connection. */
export type HandshakeFailure =
  | { kind: 'unauthorized'; rotated?: boolean }
  | { kind: 'incompatible'; serverProtocol?: number; serverVersion?: string }
  | { kind: 'refused'; message: string };

/** Milliseconds a socket may take to open; a bridge that has not accepted by then counts as not answering. */
export const OPEN_TIMEOUT_MS = 3000;
/** Milliseconds from open to the bridge's hello (longer than the bridge's 2 s delay before refusing a wrong token). */
export const HELLO_TIMEOUT_MS = 3000;

/** How a socket ended. `blocked`: the page's content security policy (Figma's allowed domains) stopped it; `timeout`: it never opened. */
export interface SocketClosed {
  opened: boolean;
  ready: boolean;
  cause?: 'blocked' | 'timeout';
}

/** What a socket reports; `closed` always comes last, exactly once. */
export interface SocketEvents {
  ready(hello: ServerHello): void;
  failed(failure: HandshakeFailure): void;
  message(message: Exclude<ServerMessage, ServerHello | ResultMessage>): void;
  result(result: ResultMessage, png: Uint8Array): void;
  closed(info: SocketClosed): void;
}

/**
 * A connection through its handshake and after; everything it receives is validated with the protocol module.
 * It always ends in `closed`, also where the browser fires only `error` (a socket its content security policy
 * blocks) or nothing at all (a server that accepts and never answers).
 */
export class BridgeSocket {
  readonly #socket: WebSocket | undefined;
  readonly #host: string;
  #opened = false;
  #ready = false;
  #blocked = false;
  #ended = false;
  #pendingResult: ResultMessage | undefined;
  #timer: ReturnType<typeof setTimeout>;
  readonly #onViolation = (event: SecurityPolicyViolationEvent) => {
    if (hostOf(event.blockedURI) === this.#host) this.#blocked = true;
  };

  constructor(url: string, token: string, private readonly events: SocketEvents) {
    this.#host = hostOf(url) ?? url;
    document.addEventListener('securitypolicyviolation', this.#onViolation);
    this.#timer = setTimeout(() => this.#timeOut(), OPEN_TIMEOUT_MS);
    try {
      this.#socket = new WebSocket(url);
    } catch (error) {
      // Older browsers throw here for an address the content security policy blocks.
      this.#blocked ||= (error as { name?: unknown } | null)?.name === 'SecurityError';
      setTimeout(() => this.#end());
      return;
    }
    this.#socket.binaryType = 'arraybuffer';
    this.#socket.onopen = () => {
      this.#opened = true;
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => this.#timeOut(), HELLO_TIMEOUT_MS);
      this.#send({ type: 'hello', protocol: PROTOCOL_VERSION, client: { name: PLUGIN_CLIENT_NAME, version: PLUGIN_VERSION }, token });
    };
    this.#socket.onmessage = (event: MessageEvent<string | ArrayBuffer>) => this.#receive(event.data);
    // Chromium fires only `error` for a socket the content security policy blocks; the violation event comes first.
    this.#socket.onerror = () => setTimeout(() => this.#end());
    this.#socket.onclose = () => this.#end();
  }

  /** Reports the end once, with what is known of its cause. */
  #end(cause?: SocketClosed['cause']): void {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#timer);
    document.removeEventListener('securitypolicyviolation', this.#onViolation);
    const why = this.#blocked ? 'blocked' : cause;
    this.events.closed({ opened: this.#opened, ready: this.#ready, ...(why ? { cause: why } : {}) });
  }

  #timeOut(): void {
    if (this.#ready || this.#ended) return;
    if (this.#opened) return this.#fail({ kind: 'refused', message: 'The bridge accepted the connection but did not answer the plugin’s hello.' });
    this.#socket?.close();
    this.#end('timeout');
  }

  /** Sends an upscale request followed by its image as one binary frame. */
  sendUpscale(message: UpscaleMessage, image: Uint8Array): void {
    this.#send(message);
    this.#socket?.send(image);
  }

  /** Asks the bridge to stop a job. */
  cancel(id: string): void {
    this.#send({ type: 'cancel', id });
  }

  /** Closes the connection (the bridge cancels this connection's jobs). */
  close(): void {
    this.#socket?.close(1000);
  }

  #send(message: ClientMessage): void {
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(message));
  }

  #fail(failure: HandshakeFailure): void {
    this.events.failed(failure);
    this.close();
  }

  #receive(data: string | ArrayBuffer): void {
    if (typeof data !== 'string') {
      const result = this.#pendingResult;
      this.#pendingResult = undefined;
      if (result) this.events.result(result, new Uint8Array(data));
      return;
    }
    const decoded = decodeServerMessage(data);
    if (!decoded.ok) {
      if (!this.#ready) this.#fail({ kind: 'incompatible' });
      return;
    }
    const message = decoded.message;
    if (!this.#ready) return this.#handshake(message);
    // An error about no job, after the handshake, on the token: the bridge's token was rotated and it is closing this session.
    if (message.type === 'error' && message.id === undefined && message.code === 'unauthorized') return this.#fail({ kind: 'unauthorized', rotated: true });
    if (message.type === 'result') this.#pendingResult = message;
    else if (message.type !== 'hello') this.events.message(message);
  }

  #handshake(message: ServerMessage): void {
    if (message.type === 'hello') {
      if (message.protocol !== PROTOCOL_VERSION) {
        return this.#fail({ kind: 'incompatible', serverProtocol: message.protocol, serverVersion: message.server.version });
      }
      this.#ready = true;
      clearTimeout(this.#timer);
      return this.events.ready(message);
    }
    if (message.type === 'error') return this.#fail(handshakeFailure(message));
    this.#fail({ kind: 'refused', message: `the bridge answered ${message.type} before hello` });
  }
}

/** `host:port` of a URL, or undefined when it is not one (a violation may report just `inline`, say). */
function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

function handshakeFailure(error: ErrorMessage): HandshakeFailure {
  if (error.code === 'unauthorized') return { kind: 'unauthorized' };
  if (error.code === 'version_mismatch') return { kind: 'incompatible' };
  return { kind: 'refused', message: error.message };
}
