import 'reflect-metadata';
import Fastify from 'fastify';
import { z } from 'zod';
import { envPort, loadConfig, redisEnvSchema, toRedisConfig } from '@app/config';
import { RedisConnection, UserEventStore } from '@app/store';

/**
 * The floor of `npm run bench:query`, started by it as a process of its own: a bare Fastify
 * route that answers GET /v1/users/:id/recommendations from the one Redis command the query
 * service sends per request (the user's read) and nothing else. Environment: REDIS_URL,
 * REDIS_CLUSTER, REDIS_KEY_PREFIX, FLOOR_PORT. Prints "listening on port N" once it listens.
 */
const config = loadConfig(
  redisEnvSchema.extend({ FLOOR_PORT: envPort(3999) }).transform((env, ctx) => ({
    redis: toRedisConfig(env, ctx),
    port: env.FLOOR_PORT,
  })),
  process.env,
);
const users = new UserEventStore(new RedisConnection(config.redis, { failFastMs: 2_000 }));
const app = Fastify();
const params = z.object({ id: z.coerce.number().int().positive() });

app.get('/v1/users/:id/recommendations', async (request) => {
  const { id } = params.parse(request.params);
  const user = await users.readUser(id);
  return { userId: id, rated: user.ratings.size };
});

void app.listen({ port: config.port, host: '127.0.0.1' }).then(() => {
  process.stdout.write(`listening on port ${config.port}\n`);
});
