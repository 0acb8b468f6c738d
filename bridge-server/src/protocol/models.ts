/** Schemas shared by REST and WebSocket: model descriptions, devices, the error body. */
import { Type, type Static } from '@sinclair/typebox';
import { ERROR_CODES } from './errors.ts';

/** A model id as the registry knows it (the `id` of its model.json). */
export const ModelId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9._-]*$' });

/** How result colours are aligned to the input. */
export const ColorFixSchema = Type.Union([Type.Literal('none'), Type.Literal('wavelet'), Type.Literal('adain')]);

/** A device the server can run models on. */
export const DeviceSchema = Type.Union([Type.Literal('cpu'), Type.Literal('webgpu'), Type.Literal('cuda')]);
/** A colour-fix method as the protocol carries it. */
export type ColorFix = Static<typeof ColorFixSchema>;
/** A device as the protocol reports it. */
export type Device = Static<typeof DeviceSchema>;

/** What a client needs to know about one model to offer it to a user. */
export const ModelInfo = Type.Object({
  id: ModelId,
  name: Type.String(),
  description: Type.String(),
  /** Scales the model computes directly; any other scale in (1, 8] runs the next larger one and resamples. */
  scales: Type.Array(Type.Integer()),
  colorFix: ColorFixSchema,
  tile: Type.Object({ size: Type.Integer(), overlap: Type.Integer() }),
  license: Type.String(),
});
/** See {@link ModelInfo}. */
export type ModelInfo = Static<typeof ModelInfo>;

/** The body of every REST error response and the payload of a WebSocket `error` message. */
export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.Union(ERROR_CODES.map((code) => Type.Literal(code))),
    message: Type.String(),
    /** Seconds to wait before retrying (with `rate_limited`; also sent as the `Retry-After` header). */
    retryAfter: Type.Optional(Type.Integer({ minimum: 0 })),
  }),
});
/** See {@link ErrorBody}. */
export type ErrorBody = Static<typeof ErrorBody>;
