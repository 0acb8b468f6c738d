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

/** What a socket reports; `closed` always comes last. */
export interface SocketEvents {
  ready(hello: ServerHello): void;
  failed(failure: HandshakeFailure): void;
  message(message: Exclude<ServerMessage, ServerHello | ResultMessage>): void;
  result(result: ResultMessage, png: Uint8Array): void;
  closed(info: { opened: boolean; ready: boolean }): void;
}

/** A connection through its handshake and after; everything it receives is validated with the protocol module. */
export class BridgeSocket {
  readonly #socket: WebSocket;
  #opened = false;
  #ready = false;
  #pendingResult: ResultMessage | undefined;

  constructor(url: string, token: string, private readonly events: SocketEvents) {
    this.#socket = new WebSocket(url);
    this.#socket.binaryType = 'arraybuffer';
    this.#socket.onopen = () => {
      this.#opened = true;
      this.#send({ type: 'hello', protocol: PROTOCOL_VERSION, client: { name: PLUGIN_CLIENT_NAME, version: PLUGIN_VERSION }, token });
    };
    this.#socket.onmessage = (event: MessageEvent<string | ArrayBuffer>) => this.#receive(event.data);
    this.#socket.onclose = () => this.events.closed({ opened: this.#opened, ready: this.#ready });
  }

  /** Sends an upscale request followed by its image as one binary frame. */
  sendUpscale(message: UpscaleMessage, image: Uint8Array): void {
    this.#send(message);
    this.#socket.send(image);
  }

  /** Asks the bridge to stop a job. */
  cancel(id: string): void {
    this.#send({ type: 'cancel', id });
  }

  /** Closes the connection (the bridge cancels this connection's jobs). */
  close(): void {
    this.#socket.close(1000);
  }

  #send(message: ClientMessage): void {
    if (this.#socket.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(message));
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
      return this.events.ready(message);
    }
    if (message.type === 'error') return this.#fail(handshakeFailure(message));
    this.#fail({ kind: 'refused', message: `the bridge answered ${message.type} before hello` });
  }
}

function handshakeFailure(error: ErrorMessage): HandshakeFailure {
  if (error.code === 'unauthorized') return { kind: 'unauthorized' };
  if (error.code === 'version_mismatch') return { kind: 'incompatible' };
  return { kind: 'refused', message: error.message };
}
