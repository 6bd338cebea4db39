import { type MovieLensUser } from '@app/movielens';
import { profileOf, profilesOf } from './movielens-profile';

const aUser = (overrides: Partial<MovieLensUser> = {}): MovieLensUser => ({
  userId: 1,
  age: 24,
  ageGroup: '18-24',
  gender: 'M',
  occupation: 'Technician',
  zip: '85711',
  ...overrides,
});

describe(profileOf.name, () => {
  it('keeps age and gender, lower-cases the occupation and keeps three characters of the zip', () => {
    expect(profileOf(aUser())).toEqual({
      age: 24,
      gender: 'M',
      occupation: 'technician',
      zipPrefix: '857',
    });
    expect(profileOf(aUser({ zip: 'l9g2b' }))?.zipPrefix).toBe('L9G');
  });

  it('gives no profile for demographics the schema rejects', () => {
    expect(profileOf(aUser({ zip: '' }))).toBeUndefined();
    expect(
      profilesOf(
        new Map([
          [1, aUser()],
          [2, aUser({ userId: 2, zip: '?' })],
        ]),
      ).size,
    ).toBe(1);
  });
});
