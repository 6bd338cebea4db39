/**
 * Publishing stopped: the brokers acknowledged `acknowledged` events (every in-sync replica holds
 * them); of the events handed over after those, some may have been written and some not.
 */
export class PublishError extends Error {
  readonly code = 'PUBLISH_FAILED';

  constructor(
    readonly topic: string,
    readonly acknowledged: number,
    cause: unknown,
  ) {
    super(
      `publishing to ${topic} failed after the brokers acknowledged ${acknowledged} events; ` +
        `the ones after may not have been written (${cause instanceof Error ? cause.message : String(cause)})`,
      { cause },
    );
    this.name = 'PublishError';
  }
}
