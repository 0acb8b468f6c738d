/** REST shapes of protocol v1: query of `POST /v1/upscale` and the bodies of `GET /v1/health` and `GET /v1/models`. */
import { Type, type Static } from '@sinclair/typebox';
import { ColorFixSchema, DeviceSchema, ModelId, ModelInfo } from './models.ts';

/** Query string of `POST /v1/upscale`; the body is the raw image. */
export const UpscaleQuery = Type.Object({
  model: Type.Optional(ModelId),
  scale: Type.Optional(Type.Number()),
  tile: Type.Optional(Type.Integer()),
  colorFix: Type.Optional(ColorFixSchema),
}, { additionalProperties: false });
/** See {@link UpscaleQuery}. */
export type UpscaleQuery = Static<typeof UpscaleQuery>;

/** A model the server has opened on a device. */
export const LoadedModel = Type.Object({ id: ModelId, device: DeviceSchema });

/** Body of `GET /v1/health`; `devices`, `loaded` and `queue` only with a valid token. */
export const HealthBody = Type.Object({
  status: Type.Literal('ok'),
  server: Type.Object({ name: Type.String(), version: Type.String() }),
  protocol: Type.Integer(),
  devices: Type.Optional(Type.Array(DeviceSchema)),
  loaded: Type.Optional(Type.Array(LoadedModel)),
  queue: Type.Optional(Type.Object({ running: Type.Integer(), queued: Type.Integer() })),
});
/** See {@link HealthBody}. */
export type HealthBody = Static<typeof HealthBody>;

/** Body of `GET /v1/models`. */
export const ModelsBody = Type.Object({ models: Type.Array(ModelInfo) });
/** See {@link ModelsBody}. */
export type ModelsBody = Static<typeof ModelsBody>;

/** Body of `POST /v1/token/reload`: whether the token file held a new token, now the only one accepted. */
export const TokenReloadBody = Type.Object({ changed: Type.Boolean() });
/** See {@link TokenReloadBody}. */
export type TokenReloadBody = Static<typeof TokenReloadBody>;
