import { JsonLogger } from './json.logger';
import { REPEAT_AFTER_MS, repeatLimitedErrorLogger } from './repeat-limited-error.logger';

describe(repeatLimitedErrorLogger.name, () => {
  let clock: number;
  let lines: Record<string, unknown>[];
  let sut: (error: Error) => void;

  beforeEach(() => {
    clock = 0;
    lines = [];
    const logger = new JsonLogger('warn', (line) => lines.push(JSON.parse(line) as never));
    sut = repeatLimitedErrorLogger(
      logger,
      (error) => `Kafka (KAFKA_BROKERS) unreachable: ${error.message}`,
      () => clock,
    );
  });

  /** An error every `everyMs` for `forMs`, as a client retrying on a timer reports them. */
  const failRepeatedly = (message: string, everyMs: number, forMs: number): void => {
    for (const end = clock + forMs; clock < end; clock += everyMs) sut(new Error(message));
  };

  it('writes the first error as a warning described with its variable', () => {
    sut(new Error('connect ECONNREFUSED 127.0.0.1:1'));

    expect(lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: 'Kafka (KAFKA_BROKERS) unreachable: connect ECONNREFUSED 127.0.0.1:1',
      }),
    ]);
  });

  it('writes the same error at most every 30 s, with how many it left out', () => {
    // Every 1.5 s for a minute: written at 0 s and 30 s, the 19 errors between each left out.
    failRepeatedly('connect ECONNREFUSED 127.0.0.1:1', 1_500, 60_000);

    expect(REPEAT_AFTER_MS).toBe(30_000);
    expect(lines).toHaveLength(2);
    expect(lines[0]).not.toHaveProperty('repeatedSinceLastLine');
    expect(lines[1]).toMatchObject({ repeatedSinceLastLine: 19 });
  });

  it('limits two errors that alternate each on its own', () => {
    for (let i = 0; i < 20; i++) {
      sut(new Error(i % 2 === 0 ? 'connect ECONNREFUSED' : 'connect ETIMEDOUT'));
      clock += 1_000;
    }

    expect(lines.map((line) => line.message)).toEqual([
      'Kafka (KAFKA_BROKERS) unreachable: connect ECONNREFUSED',
      'Kafka (KAFKA_BROKERS) unreachable: connect ETIMEDOUT',
    ]);
  });

  it('writes a new error at once', () => {
    sut(new Error('connect ECONNREFUSED'));
    clock += 1_000;
    sut(new Error('getaddrinfo ENOTFOUND redis'));

    expect(lines).toHaveLength(2);
  });
});
