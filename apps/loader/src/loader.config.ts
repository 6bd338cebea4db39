import { kafkaEnvSchema, toKafkaConfig } from '@app/config';

export const loaderEnvSchema = kafkaEnvSchema.transform((env, ctx) => ({
  kafka: toKafkaConfig(env, ctx),
}));
