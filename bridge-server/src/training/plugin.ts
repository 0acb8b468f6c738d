/** Decorates the app with the training job manager and stops its jobs (with a checkpoint) when the app closes. */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { TrainingManager } from './manager.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Training jobs behind `/v1/train`. */
    training: TrainingManager;
  }
}

/** Options of the training plugin. */
export interface TrainingPluginOptions {
  manager: TrainingManager;
}

const training: FastifyPluginAsync<TrainingPluginOptions> = async (app, options) => {
  app.decorate('training', options.manager);
  app.addHook('preClose', async () => options.manager.close());
};

/** The training plugin (decoration visible to the whole app). */
export const trainingPlugin = fp(training, { name: 'tsdsr-training', fastify: '5.x' });
