import { Logger } from '@nestjs/common';
import { JsonLogger } from './json.logger';

const aLogger = (level?: ConstructorParameters<typeof JsonLogger>[0]) => {
  const lines: string[] = [];
  const sut = new JsonLogger(level, (line) => lines.push(line));
  const entries = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { sut, lines, entries };
};

describe(JsonLogger.name, () => {
  it('writes one JSON object per line: time, level, context, message', () => {
    const { sut, lines, entries } = aLogger();

    sut.log('consuming ratings', 'EventsConsumer');

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\{.*\}\n$/);
    expect(entries()[0]).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) as unknown,
      level: 'log',
      context: 'EventsConsumer',
      message: 'consuming ratings',
    });
  });

  it('adds the fields of an object message, never replacing its own keys', () => {
    const { sut, entries } = aLogger();

    sut.warn({ message: 'slow batch', topic: 'ratings', seconds: 2.5, level: 'x' }, 'Ingest');

    expect(entries()[0]).toMatchObject({
      level: 'warn',
      context: 'Ingest',
      message: 'slow batch',
      topic: 'ratings',
      seconds: 2.5,
    });
  });

  it.each([
    ['error', ['error']],
    ['warn', ['error', 'warn']],
    ['log', ['error', 'warn', 'log']],
    ['debug', ['error', 'warn', 'log', 'debug']],
    ['verbose', ['error', 'warn', 'log', 'debug', 'verbose']],
  ] as const)('at level %s writes %j', (level, written) => {
    const { sut, entries } = aLogger(level);

    sut.error('e');
    sut.warn('w');
    sut.log('l');
    sut.debug('d');
    sut.verbose('v');

    expect(entries().map((entry) => entry.level)).toEqual(written);
  });

  it('always writes fatal', () => {
    const { sut, entries } = aLogger('error');

    sut.fatal('out of memory', 'main');

    expect(entries()).toEqual([expect.objectContaining({ level: 'fatal', context: 'main' })]);
  });

  it('reads errors the way Nest logs them: (message, stack, context) and (message, context)', () => {
    const { sut, entries } = aLogger();
    const stack = 'Error: boom\n    at handler (file.ts:1:1)';

    sut.error('boom', stack, 'ExceptionsHandler');
    sut.error('no stack', 'Scheduler');
    sut.error('no context', stack);

    expect(entries()).toEqual([
      expect.objectContaining({ message: 'boom', stack, context: 'ExceptionsHandler' }),
      expect.objectContaining({ message: 'no stack', context: 'Scheduler' }),
      expect.objectContaining({ message: 'no context', stack }),
    ]);
    expect(entries()[1]).not.toHaveProperty('stack');
  });

  it('logs an Error by its message and stack', () => {
    const { sut, entries } = aLogger();

    sut.error(new TypeError('bad input'), 'ingest');

    expect(entries()[0]).toMatchObject({
      message: 'bad input',
      error: 'TypeError',
      context: 'ingest',
      stack: expect.stringContaining('TypeError: bad input') as unknown,
    });
  });

  it('serves the Nest Logger of every class once installed', () => {
    const { sut, entries } = aLogger();
    Logger.overrideLogger(sut);
    try {
      new Logger('Scheduler').warn('lock taken');
      new Logger('Scheduler').error('run failed');
    } finally {
      Logger.overrideLogger(new Logger());
    }

    expect(entries()).toEqual([
      expect.objectContaining({ level: 'warn', context: 'Scheduler', message: 'lock taken' }),
      expect.objectContaining({ level: 'error', context: 'Scheduler', message: 'run failed' }),
    ]);
  });

  it('keeps the line when a field cannot be serialised', () => {
    const { sut, entries } = aLogger();
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;

    sut.log({ message: 'odd', cycle, big: 1n });

    expect(entries()[0]).toMatchObject({ level: 'log', message: 'odd' });
  });

  it('obeys the levels Nest sets', () => {
    const { sut, entries } = aLogger('verbose');

    sut.setLogLevels(['error']);
    sut.log('dropped');
    sut.error('kept');

    expect(entries().map((entry) => entry.message)).toEqual(['kept']);
  });
});
