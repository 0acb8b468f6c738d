/** REST shapes of protocol v1: query of `POST /v1/upscale` and the bodies of `GET /v1/health` and `GET /v1/models`. */
import { Type, type Static } from '@sinclair/typebox';
import { ColorFixSchema, DeviceSchema, ModelId, ModelInfo } from './models.ts';

/** Query string of `POST /v1/upscale`; the body is the raw image. */
export const UpscaleQuery = Type.Object({
  model: Type.Optional(ModelId),
  scale: Type.Optional(Type.Number()),
  tile: Type.Optional(Type.Integer()),
  colorFix: Type.Optional(ColorFixSchema),
  /** The result's format (default png); `jpg` is `jpeg`. JPEG has no alpha: transparency is composited over white. */
  format: Type.Optional(Type.Union([Type.Literal('png'), Type.Literal('jpeg'), Type.Literal('jpg'), Type.Literal('webp')])),
  /** JPEG and WebP quality, 1 to 100 (default 92); refused with PNG, which is lossless. */
  quality: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
}, { additionalProperties: false });
/** See {@link UpscaleQuery}. */
export type UpscaleQuery = Static<typeof UpscaleQuery>;

/** A model the server has opened on a device. */
export const LoadedModel = Type.Object({ id: ModelId, device: DeviceSchema });

/** Body of `GET /v1/health`; everything after `protocol` only with a valid token. */
export const HealthBody = Type.Object({
  status: Type.Literal('ok'),
  server: Type.Object({ name: Type.String(), version: Type.String() }),
  protocol: Type.Integer(),
  devices: Type.Optional(Type.Array(DeviceSchema)),
  loaded: Type.Optional(Type.Array(LoadedModel)),
  queue: Type.Optional(Type.Object({ running: Type.Integer(), queued: Type.Integer() })),
  /** Whole seconds since the bridge started. */
  uptimeSeconds: Type.Optional(Type.Integer()),
  /** The device the bridge was started with (`auto`, `cpu`, …); `loaded` tells where each model actually runs. */
  device: Type.Optional(Type.String()),
  /** Installed models and their versions (`provenance.version` of model.json, else a digest of it). */
  models: Type.Optional(Type.Array(Type.Object({ id: ModelId, version: Type.String() }))),
  /** The most recent job that failed (not cancelled), if any. */
  lastError: Type.Optional(Type.Object({ code: Type.String(), message: Type.String(), at: Type.String() })),
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
