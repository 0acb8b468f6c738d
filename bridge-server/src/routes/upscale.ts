/** `POST /v1/upscale`: raw image body in, PNG (or JPEG, WebP: `format`) out, through the same queue as WebSocket jobs. */
import type { FastifyPluginAsync } from 'fastify';
import { OWNER } from '../auth/users.ts';
import { BridgeError } from '../errors.ts';
import { checkRateLimit } from '../plugins/security.ts';
import { smoothingSettings } from '../../../models/runtime/index.ts';
import { DEFAULT_SCALE, UpscaleQuery, type InputSmoothing, type ModelChoice } from '../protocol/index.ts';

/** Image content types the route accepts as its body. */
export const IMAGE_CONTENT_TYPES = Object.freeze(['image/png', 'image/jpeg', 'image/webp', 'application/octet-stream']);

/** The headers saying which model an `auto` model ran and why (none for other models). */
function choiceHeaders(choice: ModelChoice | undefined): Record<string, string> {
  if (!choice) return {};
  return { 'x-tsdsr-chosen-model': choice.model, 'x-tsdsr-degradation': choice.degradation, 'x-tsdsr-degradation-score': choice.score.toFixed(3) };
}

/**
 * The header saying the input was smoothed before the model ran, e.g. `level=12, radius=4` or `method=dct, level=24`
 * (none when it was not).
 */
function smoothingHeaders(smoothing: InputSmoothing | undefined): Record<string, string> {
  return smoothing ? { 'x-tsdsr-input-smoothing': smoothingSettings(smoothing).map(([k, v]) => `${k}=${v}`).join(', ') } : {};
}

/** The REST upscale route (registered in its own context so only it parses raw image bodies). */
export const upscaleRoutes: FastifyPluginAsync = async (app) => {
  const { maxBodyBytes } = app.bridgeConfig.limits;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser([...IMAGE_CONTENT_TYPES], { parseAs: 'buffer', bodyLimit: maxBodyBytes }, (_request, body, done) => done(null, body));

  app.post<{ Querystring: UpscaleQuery; Body: Buffer | undefined }>('/v1/upscale', {
    bodyLimit: maxBodyBytes,
    schema: { querystring: UpscaleQuery },
  }, async (request, reply) => {
    const { model = app.registry.defaultModel, scale = DEFAULT_SCALE, tile, colorFix, quality } = request.query;
    const format = request.query.format === 'jpg' ? 'jpeg' : (request.query.format ?? 'png');
    if (quality !== undefined && format === 'png') throw new BridgeError('bad_request', 'quality applies to format=jpeg or format=webp; PNG is lossless');
    // Fairness and the per-client cap: per named user; the owner (pairing token) per address, as in the one-person setup.
    const clientId = request.user === OWNER ? `rest:${request.ip}` : `user:${request.user}`;
    checkRateLimit(app.rateLimit, request.user);
    const jobId = String(request.id);
    const bytes = request.body ?? Buffer.alloc(0);
    const { result } = await app.upscales.submit(clientId, jobId, { model, scale, tile, colorFix, bytes });
    const cancelIfGone = (): void => {
      if (!reply.raw.writableFinished) app.jobs.cancel(clientId, jobId);
    };
    reply.raw.once('close', cancelIfGone);
    if (reply.raw.closed) cancelIfGone();
    try {
      const output = await result;
      // the job gives PNG (what the WebSocket and the team queue carry); other formats are re-encoded from it here
      const bytes = format === 'png'
        ? output.png
        : await app.runtime.encodeImage(await app.runtime.decodeImage(output.png, { maxInputPixels: output.width * output.height }), { format, ...(quality === undefined ? {} : { quality }) });
      return await reply
        .type(`image/${format}`)
        .headers({ 'x-tsdsr-width': String(output.width), 'x-tsdsr-height': String(output.height), 'x-tsdsr-model': output.model, ...choiceHeaders(output.choice), ...smoothingHeaders(output.smoothing) })
        .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } finally {
      reply.raw.off('close', cancelIfGone);
    }
  });
};
