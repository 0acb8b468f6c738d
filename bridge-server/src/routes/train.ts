/** `POST /v1/train`, `GET /v1/train`, `GET /v1/train/:id`, `DELETE /v1/train/:id`, `POST /v1/train/:id/resume`: training jobs run by the bridge. */
import type { FastifyPluginAsync } from 'fastify';
import { TrainJobList, TrainJobParams, TrainJobStatus, TrainRequest } from '../protocol/index.ts';

/** The training routes (token required, as everywhere). */
export const trainRoutes: FastifyPluginAsync = async (app) => {
  app.post<{ Body: TrainRequest }>('/v1/train', { schema: { body: TrainRequest, response: { 202: TrainJobStatus } } }, async (request, reply) => {
    const job = await app.training.submit(request.body);
    return reply.code(202).header('location', `/v1/train/${job.id}`).send(await job.status());
  });

  app.get('/v1/train', { schema: { response: { 200: TrainJobList } } }, async () => ({ jobs: await app.training.list() }));

  app.get<{ Params: TrainJobParams }>('/v1/train/:id', { schema: { params: TrainJobParams, response: { 200: TrainJobStatus } } }, async (request) => (
    app.training.get(request.params.id).status()
  ));

  app.delete<{ Params: TrainJobParams }>('/v1/train/:id', { schema: { params: TrainJobParams, response: { 200: TrainJobStatus } } }, async (request) => (
    app.training.cancel(request.params.id).status()
  ));

  app.post<{ Params: TrainJobParams }>('/v1/train/:id/resume', { schema: { params: TrainJobParams, response: { 202: TrainJobStatus } } }, async (request, reply) => {
    const job = await app.training.resume(request.params.id);
    return reply.code(202).header('location', `/v1/train/${job.id}`).send(await job.status());
  });
};
