import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFeedback } from './feedback-reader';

const dir = mkdtempSync(join(tmpdir(), 'feedback-reader-'));
const file = (name: string, content: string): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

describe(readFeedback.name, () => {
  it('reads every kind, with the header and CRLF line ends, and an optional eventId', async () => {
    const path = file(
      'feedback.csv',
      [
        'userId,movieId,kind,timestamp,eventId',
        '1,31,favourite-removed,1260759144,',
        '2,32,disliked,1260759145,e-2',
        '3,33,watched,1260759146',
        '',
      ].join('\r\n'),
    );

    expect(await readFeedback(path)).toEqual([
      { userId: 1, movieId: 31, kind: 'favourite-removed', timestamp: 1260759144, line: 2 },
      { userId: 2, movieId: 32, kind: 'disliked', timestamp: 1260759145, eventId: 'e-2', line: 3 },
      { userId: 3, movieId: 33, kind: 'watched', timestamp: 1260759146, line: 4 },
    ]);
  });

  it('names the line of an unknown kind, a bad id and too few fields', async () => {
    const header = 'userId,movieId,kind,timestamp\n';
    const kind = file('kind.csv', `${header}1,2,watched,3\n1,2,loved,3\n`);
    const id = file('id.csv', `${header}1,x,watched,3\n`);
    const short = file('short.csv', `${header}1,2,watched\n`);

    await expect(readFeedback(kind)).rejects.toThrow(/kind\.csv:3: kind: .* in "1,2,loved,3"/);
    await expect(readFeedback(id)).rejects.toThrow(/id\.csv:2: movieId: /);
    await expect(readFeedback(short)).rejects.toThrow(
      /short\.csv:2: expected userId,movieId,kind,timestamp\[,eventId\], found 3 fields/,
    );
  });
});
