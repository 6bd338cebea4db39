import { type LoggerService } from '@nestjs/common';
import { type LogEntry, logLevel } from 'kafkajs';
import { kafkajsLogCreator } from './kafka-client';

/** A logger that keeps what it is given, by level. */
function aRecordingLogger() {
  const lines: { level: string; entry: unknown }[] = [];
  const record = (level: string) => (entry: unknown) => lines.push({ level, entry });
  const logger: LoggerService = {
    log: record('log'),
    error: record('error'),
    warn: record('warn'),
    debug: record('debug'),
  };
  return { logger, lines };
}

const anEntry = (level: logLevel, message: string, fields: object = {}): LogEntry => ({
  namespace: 'BrokerPool',
  level,
  label: level === logLevel.ERROR ? 'ERROR' : 'WARN',
  log: { timestamp: '2026-01-01T00:00:00.000Z', message, ...fields },
});

describe(kafkajsLogCreator.name, () => {
  let clock = 0;
  const now = () => clock;

  it('names KAFKA_BROKERS on a connection failure, once per 30 s however often kafkajs retries', () => {
    const { logger, lines } = aRecordingLogger();
    const log = kafkajsLogCreator(['10.0.0.9:9092'], logger, now)(logLevel.WARN);
    const refused = anEntry(
      logLevel.ERROR,
      'Connection error: connect ECONNREFUSED 10.0.0.9:9092',
      {
        broker: '10.0.0.9:9092',
      },
    );

    for (let attempt = 0; attempt < 20; attempt++) log(refused);
    clock += 31_000;
    log(refused);

    expect(lines).toEqual([
      {
        level: 'warn',
        entry: {
          message:
            'Kafka (KAFKA_BROKERS=10.0.0.9:9092): ERROR Connection error: connect ECONNREFUSED 10.0.0.9:9092',
        },
      },
      {
        level: 'warn',
        entry: expect.objectContaining({ repeatedSinceLastLine: 19 }) as unknown,
      },
    ]);
  });

  it('counts a connection failure given in the error field as one too', () => {
    const { logger, lines } = aRecordingLogger();
    const log = kafkajsLogCreator(['k:9092'], logger, now)(logLevel.WARN);

    log(anEntry(logLevel.WARN, 'Could not create topics', { error: 'Connection timeout' }));

    expect((lines[0]?.entry as { message: string }).message).toContain('KAFKA_BROKERS=k:9092');
  });

  it('passes other lines through at their level, with their fields', () => {
    const { logger, lines } = aRecordingLogger();
    const log = kafkajsLogCreator(['k:9092'], logger, now)(logLevel.WARN);

    log(anEntry(logLevel.WARN, 'The group is rebalancing, re-joining', { groupId: 'ingest' }));
    log(anEntry(logLevel.ERROR, 'Offset out of range, resetting to default offset'));
    log(anEntry(logLevel.WARN, 'The group is rebalancing, re-joining', { groupId: 'ingest' }));

    expect(lines).toEqual([
      {
        level: 'warn',
        entry: { message: 'WARN The group is rebalancing, re-joining', groupId: 'ingest' },
      },
      {
        level: 'error',
        entry: { message: 'ERROR Offset out of range, resetting to default offset' },
      },
      {
        level: 'warn',
        entry: { message: 'WARN The group is rebalancing, re-joining', groupId: 'ingest' },
      },
    ]);
  });
});
