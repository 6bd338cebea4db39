import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MovieLensFileError } from './movielens-file.error';
import { ageGroupOf, type MovieLensUser, readUsers } from './users-reader';

const dir = mkdtempSync(join(tmpdir(), 'users-reader-'));
const file = (name: string, content: string): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

const aUser = (overrides: Partial<MovieLensUser> = {}): MovieLensUser => ({
  userId: 1,
  age: 24,
  ageGroup: '18-24',
  gender: 'M',
  occupation: 'technician',
  zip: '85711',
  ...overrides,
});

describe(readUsers.name, () => {
  it('reads ml-100k u.user, ages in years grouped as ml-1m groups them', async () => {
    const path = file(
      'u.user',
      '1|24|M|technician|85711\n2|53|F|other|94043\n3|7|M|student|T8H1N\n',
    );

    expect(await readUsers(path)).toEqual([
      aUser(),
      aUser({
        userId: 2,
        age: 53,
        ageGroup: '50-55',
        gender: 'F',
        occupation: 'other',
        zip: '94043',
      }),
      aUser({ userId: 3, age: 7, ageGroup: 'under 18', occupation: 'student', zip: 'T8H1N' }),
    ]);
  });

  it('reads ml-1m users.dat, naming occupation codes as its README does', async () => {
    const path = file(
      'users.dat',
      '1::F::1::10::48067\r\n2::M::56::16::70072\r\n3::M::25::0::55117\r\n',
    );

    expect(await readUsers(path)).toEqual([
      aUser({
        age: 1,
        ageGroup: 'under 18',
        gender: 'F',
        occupation: 'K-12 student',
        zip: '48067',
      }),
      aUser({ userId: 2, age: 56, ageGroup: '56+', occupation: 'self-employed', zip: '70072' }),
      aUser({ userId: 3, age: 25, ageGroup: '25-34', occupation: 'other', zip: '55117' }),
    ]);
  });

  it('names the line of an unknown occupation code, age group or gender', async () => {
    const valid = '1::F::1::10::48067';

    await expect(readUsers(file('a.dat', `${valid}\n2::M::25::21::1\n`))).rejects.toThrow(
      /a\.dat:2: occupation: unknown occupation code "21"/,
    );
    await expect(readUsers(file('b.dat', `${valid}\n2::M::30::1::1\n`))).rejects.toThrow(
      /b\.dat:2: age: unknown age group "30"/,
    );
    await expect(readUsers(file('c.user', '1|24|X|writer|1\n'))).rejects.toThrow(
      /c\.user:1: gender: /,
    );
  });

  it('names the line of a line with too few fields', async () => {
    await expect(readUsers(file('short.user', '1|24|M|writer|1\n2|30|F\n'))).rejects.toThrow(
      /short\.user:2: expected 5 fields, found 3/,
    );
  });

  it('fails clearly on a missing file and on a ratings file passed by mistake', async () => {
    await expect(readUsers(join(dir, 'missing.user'))).rejects.toThrow(MovieLensFileError);
    await expect(readUsers(file('u.data', '196\t242\t3\t881250949\n'))).rejects.toThrow(
      /u\.data:1: unknown layout/,
    );
  });
});

describe(ageGroupOf.name, () => {
  it('puts each age in the group whose bounds hold it', () => {
    expect([17, 18, 24, 25, 44, 45, 49, 50, 55, 56, 80].map(ageGroupOf)).toEqual([
      'under 18',
      '18-24',
      '18-24',
      '25-34',
      '35-44',
      '45-49',
      '45-49',
      '50-55',
      '50-55',
      '56+',
      '56+',
    ]);
  });
});
