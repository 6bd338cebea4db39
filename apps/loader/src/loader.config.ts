import { kafkaEnvSchema, toKafkaConfig } from '@app/config';

export const loaderEnvSchema = kafkaEnvSchema.transform((env) => ({ kafka: toKafkaConfig(env) }));
