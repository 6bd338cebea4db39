import { kafkaEnvSchema, toKafkaConfig } from '@app/config';

export const topicsEnvSchema = kafkaEnvSchema.transform((env, ctx) => ({
  kafka: toKafkaConfig(env, ctx),
}));
