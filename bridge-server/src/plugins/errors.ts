/** The central error handler: every failure leaves as `{ error: { code, message } }` with the code's HTTP status. */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { BridgeError, toBridgeError } from '../errors.ts';
import type { ErrorBody } from '../protocol/index.ts';

/** Builds the JSON body of an error response. */
export function errorBody(error: BridgeError): ErrorBody {
  const retryAfter = error.retryAfter === undefined ? {} : { retryAfter: error.retryAfter };
  return { error: { code: error.code, message: error.message, ...retryAfter } };
}

const errors: FastifyPluginAsync = async (app) => {
  app.setErrorHandler(async (err, request, reply) => {
    const error = toBridgeError(err);
    if (error.code === 'internal') request.log.error({ err }, 'request failed');
    else request.log.debug({ code: error.code }, error.message);
    if (error.retryAfter !== undefined) void reply.header('retry-after', String(error.retryAfter));
    return reply.code(error.status).type('application/json').send(errorBody(error));
  });
  app.setNotFoundHandler(async (request, reply) => {
    const error = new BridgeError('not_found', `no route ${request.method} ${request.url.split('?')[0]}; see docs/protocol.md`);
    return reply.code(error.status).send(errorBody(error));
  });
};

/** The error-handling plugin (applies to the whole app). */
export const errorsPlugin = fp(errors, { name: 'tsdsr-errors', fastify: '5.x' });
