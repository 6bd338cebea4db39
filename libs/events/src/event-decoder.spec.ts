import { decodeEvent } from './event-decoder';

const bytes = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

describe(decodeEvent.name, () => {
  it('accepts a rating on the half-star scale and tags its kind', () => {
    const sut = decodeEvent('rating', bytes({ userId: 1, movieId: 2, rating: 3.5, timestamp: 9 }));

    expect(sut).toEqual({
      ok: true,
      event: { kind: 'rating', userId: 1, movieId: 2, rating: 3.5, timestamp: 9 },
    });
  });

  it('keeps an optional event id and drops unknown fields', () => {
    const sut = decodeEvent(
      'favourite',
      bytes({ userId: 1, movieId: 2, timestamp: 9, eventId: 'e-1', extra: true }),
    );

    expect(sut).toEqual({
      ok: true,
      event: { kind: 'favourite', userId: 1, movieId: 2, timestamp: 9, eventId: 'e-1' },
    });
  });

  it.each([
    [{ userId: 1, movieId: 2, rating: 0, timestamp: 9 }, /rating: .*0\.5/],
    [{ userId: 1, movieId: 2, rating: 5.5, timestamp: 9 }, /rating: .*5/],
    [{ userId: 1, movieId: 2, rating: 2.25, timestamp: 9 }, /rating: must be a multiple of 0.5/],
    [{ userId: 0, movieId: 2, rating: 3, timestamp: 9 }, /userId/],
    [{ userId: 1, movieId: 2.5, rating: 3, timestamp: 9 }, /movieId/],
    [{ userId: 1, movieId: 2, rating: 3 }, /timestamp/],
    [{ userId: '1', movieId: 2, rating: 3, timestamp: 9 }, /userId/],
    [[1, 2, 3], /invalid rating event/],
  ])('rejects the rating %j naming the field', (value, reason) => {
    const sut = decodeEvent('rating', bytes(value));

    expect(sut.ok).toBe(false);
    expect(!sut.ok && sut.reason).toMatch(reason);
  });

  it.each([
    [null, /empty message value/],
    [Buffer.alloc(0), /empty message value/],
    [Buffer.from('{"userId":'), /invalid JSON/],
  ])('rejects undecodable bytes %#', (value, reason) => {
    const sut = decodeEvent('favourite', value);

    expect(!sut.ok && sut.reason).toMatch(reason);
  });

  it.each(['favourite-removed', 'disliked', 'watched'] as const)(
    'accepts a %s feedback event with its kind',
    (kind) => {
      const sut = decodeEvent('feedback', bytes({ kind, userId: 1, movieId: 2, timestamp: 9 }));

      expect(sut).toEqual({ ok: true, event: { kind, userId: 1, movieId: 2, timestamp: 9 } });
    },
  );

  it.each([
    [{ kind: 'liked', userId: 1, movieId: 2, timestamp: 9 }, /kind/],
    [{ userId: 1, movieId: 2, timestamp: 9 }, /kind/],
    [{ kind: 'disliked', userId: 1, timestamp: 9 }, /movieId/],
    [{ kind: 'watched', userId: 1, movieId: 2, timestamp: -1 }, /timestamp/],
  ])('rejects the feedback %j naming the field', (value, reason) => {
    const sut = decodeEvent('feedback', bytes(value));

    expect(!sut.ok && sut.reason).toMatch(/invalid feedback event/);
    expect(!sut.ok && sut.reason).toMatch(reason);
  });
});
