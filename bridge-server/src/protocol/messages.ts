/** WebSocket messages of protocol v1: JSON text frames, with image bytes in the binary frame that follows. */
import { Type, type Static } from '@sinclair/typebox';
import { ERROR_CODES } from './errors.ts';
import { ColorFixSchema, DeviceSchema, ModelId, ModelInfo } from './models.ts';

/** The protocol version this module describes. */
export const PROTOCOL_VERSION = 1;

const JobId = Type.String({ minLength: 1, maxLength: 64 });
const strict = { additionalProperties: false } as const;

/**
 * Client → server, first message: protocol version, who is asking, and the pairing token. Not strict about extra
 * fields, so a newer client's hello still validates and can be answered with `version_mismatch`.
 */
export const ClientHello = Type.Object({
  type: Type.Literal('hello'),
  protocol: Type.Integer(),
  client: Type.Object({ name: Type.String({ maxLength: 64 }), version: Type.String({ maxLength: 32 }) }),
  token: Type.String({ maxLength: 256 }),
});
/** See {@link ClientHello}. */
export type ClientHello = Static<typeof ClientHello>;

/** Client → server: upscale the image in the next binary frame. `id` is the client's own, unique among its open jobs. */
export const UpscaleMessage = Type.Object({
  type: Type.Literal('upscale'),
  id: JobId,
  model: ModelId,
  scale: Type.Number(),
  tile: Type.Optional(Type.Integer()),
  colorFix: Type.Optional(ColorFixSchema),
}, strict);
/** See {@link UpscaleMessage}. */
export type UpscaleMessage = Static<typeof UpscaleMessage>;

/** Client → server: stop a queued or running job. */
export const CancelMessage = Type.Object({ type: Type.Literal('cancel'), id: JobId }, strict);
/** See {@link CancelMessage}. */
export type CancelMessage = Static<typeof CancelMessage>;

/** Any message a client sends as a text frame. */
export const ClientMessage = Type.Union([ClientHello, UpscaleMessage, CancelMessage]);
/** See {@link ClientMessage}. */
export type ClientMessage = Static<typeof ClientMessage>;

/** Server → client, answer to a good `hello`: what this server offers. */
export const ServerHello = Type.Object({
  type: Type.Literal('hello'),
  protocol: Type.Integer(),
  server: Type.Object({ name: Type.String(), version: Type.String() }),
  models: Type.Array(ModelInfo),
  devices: Type.Array(DeviceSchema),
});
/** See {@link ServerHello}. */
export type ServerHello = Static<typeof ServerHello>;

/** Server → client: the job is queued; `position` jobs will start before it (0: next). */
export const AcceptedMessage = Type.Object({ type: Type.Literal('accepted'), id: JobId, position: Type.Integer({ minimum: 0 }) });
/** See {@link AcceptedMessage}. */
export type AcceptedMessage = Static<typeof AcceptedMessage>;

/** Server → client: a running job's progress, in tiles of the current stage. */
export const ProgressMessage = Type.Object({
  type: Type.Literal('progress'),
  id: JobId,
  stage: Type.Union([Type.Literal('upscale'), Type.Literal('resample')]),
  tilesDone: Type.Integer({ minimum: 0 }),
  tilesTotal: Type.Integer({ minimum: 0 }),
});
/** See {@link ProgressMessage}. */
export type ProgressMessage = Static<typeof ProgressMessage>;

/** Which model an `auto` model ran on the image, and why: the degradation estimate's verdict and its score (0 to 1). */
export const ModelChoice = Type.Object({
  model: ModelId,
  degradation: Type.Union([Type.Literal('clean'), Type.Literal('degraded')]),
  score: Type.Number({ minimum: 0, maximum: 1 }),
}, strict);
/** See {@link ModelChoice}. */
export type ModelChoice = Static<typeof ModelChoice>;

/**
 * The input smoothing that ran before the model (models/runtime/denoise.ts): the guided filter's level and window
 * radius, or the DCT shrinkage (`method: 'dct'`) and its threshold.
 */
export const InputSmoothing = Type.Union([
  Type.Object({
    level: Type.Number({ exclusiveMinimum: 0 }),
    radius: Type.Integer({ minimum: 1 }),
  }, strict),
  Type.Object({
    method: Type.Literal('dct'),
    level: Type.Number({ exclusiveMinimum: 0 }),
  }, strict),
]);
/** See {@link InputSmoothing}. */
export type InputSmoothing = Static<typeof InputSmoothing>;

/**
 * Server → client: the job finished; the next frame on this socket is the PNG, as one binary frame. `model` is the
 * model the job named; `choice` is present when that was an `auto` model; `smoothing` when the input was smoothed
 * before the model ran.
 */
export const ResultMessage = Type.Object({
  type: Type.Literal('result'),
  id: JobId,
  width: Type.Integer(),
  height: Type.Integer(),
  model: ModelId,
  scale: Type.Number(),
  choice: Type.Optional(ModelChoice),
  smoothing: Type.Optional(InputSmoothing),
});
/** See {@link ResultMessage}. */
export type ResultMessage = Static<typeof ResultMessage>;

/** Server → client: a request failed or a job ended without a result (`cancelled` included). */
export const ErrorMessage = Type.Object({
  type: Type.Literal('error'),
  id: Type.Optional(JobId),
  code: Type.Union(ERROR_CODES.map((code) => Type.Literal(code))),
  message: Type.String(),
  /** Seconds to wait before retrying (with `rate_limited`). */
  retryAfter: Type.Optional(Type.Integer({ minimum: 0 })),
});
/** See {@link ErrorMessage}. */
export type ErrorMessage = Static<typeof ErrorMessage>;

/** Any message a server sends as a text frame. */
export const ServerMessage = Type.Union([ServerHello, AcceptedMessage, ProgressMessage, ResultMessage, ErrorMessage]);
/** See {@link ServerMessage}. */
export type ServerMessage = Static<typeof ServerMessage>;
