/** What one handled batch did. */
export interface BatchReport {
  topic: string;
  /** Valid events written to Redis. */
  applied: number;
  /** Invalid events sent to the topic's dead-letter topic. */
  deadLettered: number;
  /** From the first decode to the last write, failed attempts not included. */
  seconds: number;
}

/** Told about each batch the handler stored, for metrics; must not throw. */
export interface IngestObserver {
  batchHandled(report: BatchReport): void;
}
