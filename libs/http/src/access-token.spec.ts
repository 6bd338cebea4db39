import type * as crypto from 'node:crypto';
import { timingSafeEqual } from 'node:crypto';
import { AccessToken, readAuthorization } from './access-token';

jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof crypto>('node:crypto');
  return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});

describe(AccessToken.name, () => {
  const sut = AccessToken.of('s3cret-token-0123456789');

  it('matches its own value only', () => {
    expect(sut.matches('s3cret-token-0123456789')).toBe(true);
    expect(sut.matches('s3cret-token-012345678')).toBe(false);
    expect(sut.matches('s3cret-token-01234567890')).toBe(false);
    expect(sut.matches('S3cret-token-0123456789')).toBe(false);
    expect(sut.matches('')).toBe(false);
  });

  it('compares 32-byte digests in constant time, whatever the length presented', () => {
    const compare = jest.mocked(timingSafeEqual);
    compare.mockClear();

    sut.matches('x');
    sut.matches('x'.repeat(10_000));

    expect(compare).toHaveBeenCalledTimes(2);
    for (const [expected, presented] of compare.mock.calls) {
      expect([expected.byteLength, presented.byteLength]).toEqual([32, 32]);
    }
  });

  it('shows neither the value nor its digest when printed', () => {
    expect(JSON.stringify({ token: sut })).toBe('{"token":"[token]"}');
    expect(JSON.stringify(sut)).not.toContain('s3cret');
  });
});

describe(readAuthorization.name, () => {
  it.each([
    ['Bearer abc-DEF_123.~+/=', { kind: 'bearer', token: 'abc-DEF_123.~+/=' }],
    ['bearer abc', { kind: 'bearer', token: 'abc' }],
    ['  Bearer   abc  ', { kind: 'bearer', token: 'abc' }],
    [undefined, { kind: 'missing' }],
    ['', { kind: 'missing' }],
    ['Basic dXNlcjpwYXNz', { kind: 'malformed' }],
    ['Bearer', { kind: 'malformed' }],
    ['Bearer a b', { kind: 'malformed' }],
    ['Bearer a"b', { kind: 'malformed' }],
    ['abc', { kind: 'malformed' }],
    [['Bearer abc'], { kind: 'malformed' }],
    [42, { kind: 'malformed' }],
  ])('reads %j as %j', (value, expected) => {
    expect(readAuthorization(value)).toEqual(expected);
  });
});
