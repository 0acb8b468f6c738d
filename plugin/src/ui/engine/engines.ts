/** The engines a run can send layers to, behind one interface: the bridge, or the in-Figma engine; and which one is active. */
import type { UpscaleMessage } from '../../../../bridge-server/src/protocol/index.ts';
import type { Connection } from '../connection.ts';
import type { UiState } from '../state.ts';

/** Where layers are upscaled. */
export type EngineKind = 'bridge' | 'figma';

/** An engine as the run sees it: upscale and cancel; progress, errors and results come back through the UI's listener. */
export interface JobEngine {
  readonly kind: EngineKind;
  /** False once jobs sent to it can no longer be answered (the bridge's connection is gone). */
  readonly available: boolean;
  sendUpscale(message: UpscaleMessage, image: Uint8Array): void;
  cancel(id: string): void;
}

/** The engine the settings and the connection choose: Auto is the bridge when it is connected, else in Figma. */
export function activeEngineKind(state: UiState): EngineKind | undefined {
  const connected = state.connection.kind === 'connected';
  if (state.settings.engine === 'figma') return 'figma';
  if (state.settings.engine === 'bridge') return connected ? 'bridge' : undefined;
  return connected ? 'bridge' : 'figma';
}

/** The bridge connection as a JobEngine: jobs go to the current socket. */
export function bridgeEngine(connection: Connection): JobEngine {
  return {
    kind: 'bridge',
    get available() {
      return connection.socket !== undefined;
    },
    sendUpscale: (message, image) => connection.socket?.sendUpscale(message, image),
    cancel: (id) => connection.socket?.cancel(id),
  };
}

/** Both engines and the choice between them. */
export class Engines {
  constructor(private readonly state: () => UiState, readonly bridge: JobEngine, readonly figma: JobEngine) {}

  /** The engine new layers go to now, or undefined when the chosen one is not reachable. */
  active(): JobEngine | undefined {
    const kind = activeEngineKind(this.state());
    return kind === 'bridge' ? this.bridge : kind === 'figma' ? this.figma : undefined;
  }
}
