/** Parsing and validation of text frames, for either side of the connection; no Node-only code. */
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import {
  AcceptedMessage, CancelMessage, ClientHello, ErrorMessage, ProgressMessage, ResultMessage, ServerHello, UpscaleMessage,
  type ClientMessage, type ServerMessage,
} from './messages.ts';

/** The outcome of decoding a frame: the typed message, or why it was refused plus what could be read of it. */
export type Decoded<M> =
  | { ok: true; message: M }
  | { ok: false; reason: string; type?: string; id?: string };

const CLIENT_SCHEMAS: Readonly<Record<string, TSchema>> = Object.freeze({
  hello: ClientHello,
  upscale: UpscaleMessage,
  cancel: CancelMessage,
});

const SERVER_SCHEMAS: Readonly<Record<string, TSchema>> = Object.freeze({
  hello: ServerHello,
  accepted: AcceptedMessage,
  progress: ProgressMessage,
  result: ResultMessage,
  error: ErrorMessage,
});

function decodeWith<M>(text: string, schemas: Readonly<Record<string, TSchema>>): Decoded<M> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'frame is not valid JSON' };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { ok: false, reason: 'frame is not a JSON object' };
  const { type, id } = value as { type?: unknown; id?: unknown };
  const seen = { type: typeof type === 'string' ? type : undefined, id: typeof id === 'string' && id.length >= 1 && id.length <= 64 ? id : undefined };
  const schema = typeof type === 'string' && Object.hasOwn(schemas, type) ? schemas[type] : undefined;
  if (!schema) return refused(`unknown message type ${describe(type)}`, seen);
  const problem = Value.Errors(schema, value).First();
  if (problem) {
    const where = problem.path === '' ? 'message' : problem.path;
    return refused(`${type}: ${where}: ${problem.message}`, seen);
  }
  return { ok: true, message: value as M };
}

/** Longest reason a refusal carries; the rest of a hostile frame's text is not echoed. */
const MAX_REASON_CHARS = 200;

function refused(reason: string, seen: { type?: string; id?: string }): Decoded<never> {
  const short = reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS - 1)}…` : reason;
  return { ok: false, reason: short, ...seen };
}

/** Names a value for a message without serialising it (a deeply nested value would overflow JSON.stringify's stack). */
function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
  if (value === null || value === undefined) return `(${String(value)})`;
  if (Array.isArray(value)) return '(an array)';
  return typeof value === 'object' ? '(an object)' : `(a ${typeof value})`;
}

/** Decodes and validates a text frame a client sent (used by the server). */
export function decodeClientMessage(text: string): Decoded<ClientMessage> {
  return decodeWith<ClientMessage>(text, CLIENT_SCHEMAS);
}

/** Decodes and validates a text frame a server sent (used by clients). */
export function decodeServerMessage(text: string): Decoded<ServerMessage> {
  return decodeWith<ServerMessage>(text, SERVER_SCHEMAS);
}
