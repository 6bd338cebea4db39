import { envName, envPort } from './env-fields';

/**
 * Variables more than one program reads: each service its own, and the demo, which starts the
 * services and then talks to them. Declared once, so a default cannot differ between them.
 */
export const serviceEnv = {
  INGEST_GROUP_ID: envName('ingest'),
  INGEST_PORT: envPort(3002),
  RECLUSTER_PORT: envPort(3001),
  QUERY_PORT: envPort(3000),
  QUERY_RPC_PORT: envPort(3100),
};
