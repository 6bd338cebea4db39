import { EventEmitter } from 'node:events';
import { JsonLogger } from './json.logger';
import { logProcessWarnings } from './process-warnings';

const aWarning = (name: string, message: string): Error =>
  Object.assign(new Error(message), { name });

describe(logProcessWarnings.name, () => {
  let target: EventEmitter;
  let nodePrinter: jest.Mock;
  let lines: string[];

  beforeEach(() => {
    target = new EventEmitter();
    nodePrinter = jest.fn();
    target.on('warning', nodePrinter);
    lines = [];
    logProcessWarnings(new JsonLogger('warn', (line) => lines.push(line)), 'ingest', target);
  });

  it('writes a warning as a JSON line in place of the plain text printer', () => {
    target.emit('warning', aWarning('TimeoutNegativeWarning', '-5 is a negative number.'));

    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      expect.objectContaining({
        level: 'warn',
        context: 'ingest',
        message: '-5 is a negative number.',
        warning: 'TimeoutNegativeWarning',
      }),
    ]);
    expect(nodePrinter).not.toHaveBeenCalled();
  });

  it('logs each kind of warning once', () => {
    target.emit('warning', aWarning('TimeoutNegativeWarning', '-5 is a negative number.'));
    target.emit('warning', aWarning('TimeoutNegativeWarning', '-17 is a negative number.'));
    target.emit('warning', aWarning('DeprecationWarning', 'Buffer() is deprecated'));

    expect(lines.map((line) => (JSON.parse(line) as { warning: string }).warning)).toEqual([
      'TimeoutNegativeWarning',
      'DeprecationWarning',
    ]);
  });
});
