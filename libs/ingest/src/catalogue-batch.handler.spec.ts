import { type KafkaMessage } from 'kafkajs';
import { type MovieEvent } from '@app/events';
import { type DeadLetter } from '@app/kafka';
import { type MovieChange } from '@app/store';
import { CatalogueBatchHandler, decodeMovieMessage } from './catalogue-batch.handler';

const heat: MovieEvent = { movieId: 6, title: 'Heat (1995)', genres: ['Crime'], year: 1995 };

const aMessage = (key: string | null, value: string | null, offset = '0'): KafkaMessage => ({
  key: key === null ? null : Buffer.from(key),
  value: value === null ? null : Buffer.from(value),
  offset,
  timestamp: '0',
  attributes: 0,
  headers: {},
});

describe(decodeMovieMessage.name, () => {
  it('reads an entry keyed by its movie id, trimming its title as the schema does', () => {
    expect(
      decodeMovieMessage(aMessage('6', JSON.stringify({ ...heat, title: ' Heat (1995) ' }))),
    ).toEqual({
      ok: true,
      change: { movieId: 6, movie: heat },
    });
  });

  it('reads a key with no value as the removal of that movie', () => {
    expect(decodeMovieMessage(aMessage('6', null))).toEqual({
      ok: true,
      change: { movieId: 6, movie: null },
    });
  });

  it.each([
    [
      'a key that is not a movie id',
      aMessage('06', JSON.stringify(heat)),
      /^key: expected the movie id, got "06"/,
    ],
    ['no key', aMessage(null, JSON.stringify(heat)), /^key: expected the movie id, got ""/],
    ['a value that is not JSON', aMessage('6', '{'), /^invalid JSON: /],
    ['an empty value, which is not a tombstone', aMessage('6', ''), /^empty message value/],
    [
      'a year out of range',
      aMessage('6', JSON.stringify({ ...heat, year: 95 })),
      /^invalid movie event: year: /,
    ],
    [
      'no genres',
      aMessage('6', JSON.stringify({ ...heat, genres: undefined })),
      /^invalid movie event: genres: /,
    ],
    [
      'another movie under the key',
      aMessage('7', JSON.stringify(heat)),
      /^key 7 is not the event's movieId 6$/,
    ],
  ])('refuses %s, saying why', (_, message, reason) => {
    const result = decodeMovieMessage(message);

    expect(result.ok).toBe(false);
    expect(result.ok ? undefined : result.reason).toMatch(reason);
  });
});

describe(CatalogueBatchHandler.name, () => {
  it('applies the valid messages in offset order, then dead-letters the others with their reason', async () => {
    const calls: string[] = [];
    const applied: MovieChange[][] = [];
    const letters: DeadLetter[][] = [];
    const sut = new CatalogueBatchHandler(
      {
        apply: (changes) => {
          calls.push('apply');
          applied.push([...changes]);
          return Promise.resolve(1);
        },
      },
      {
        replicated: () => {
          calls.push('replicated');
          return Promise.resolve();
        },
      },
      {
        publish: (sent) => {
          calls.push('dead-letter');
          letters.push([...sent]);
          return Promise.resolve();
        },
      },
    );
    const bad = aMessage('8', 'nope', '1');

    await sut.handle({
      topic: 'movies',
      partition: 2,
      messages: [
        aMessage('6', JSON.stringify(heat), '0'),
        bad,
        aMessage('6', JSON.stringify({ ...heat, title: 'Heat' }), '2'),
        aMessage('7', null, '3'),
      ],
    });

    expect(calls).toEqual(['apply', 'replicated', 'dead-letter']);
    expect(applied).toEqual([
      [
        { movieId: 6, movie: heat },
        { movieId: 6, movie: { ...heat, title: 'Heat' } },
        { movieId: 7, movie: null },
      ],
    ]);
    expect(letters).toEqual([
      [
        {
          topic: 'movies',
          partition: 2,
          message: bad,
          reason: expect.stringMatching(/^invalid JSON/) as unknown,
        },
      ],
    ]);
  });
});
