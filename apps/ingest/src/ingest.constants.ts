export const INGEST_CONFIG = Symbol('INGEST_CONFIG');
export const KAFKA = Symbol('KAFKA');
