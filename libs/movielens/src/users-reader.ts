import { z } from 'zod';
import { MovieLensFileError } from './movielens-file.error';
import { describeFieldIssues, numberField, readTextLines } from './text-lines';

/**
 * The two MovieLens demographics layouts (ml-latest has none):
 * - `user`: ml-100k u.user, `id|age|gender|occupation|zip`, the age in years and the
 *   occupation by name;
 * - `dat`: ml-1m users.dat, `UserID::Gender::Age::Occupation::Zip-code`, the age as the lower
 *   bound of its group and the occupation as a code.
 */
export type UsersFormat = 'user' | 'dat';

export interface MovieLensUser {
  userId: number;
  /** Years in ml-100k; in ml-1m the group's code (1 = under 18, 18 = 18-24, ..., 56 = 56+). */
  age: number;
  /** ml-1m's age groups, derived from the years for ml-100k, so both layouts group alike. */
  ageGroup: AgeGroup;
  gender: 'F' | 'M';
  occupation: string;
  zip: string;
}

/** ml-1m's occupation codes 0-20, named as in its README. */
const ML_1M_OCCUPATIONS = [
  'other',
  'academic/educator',
  'artist',
  'clerical/admin',
  'college/grad student',
  'customer service',
  'doctor/health care',
  'executive/managerial',
  'farmer',
  'homemaker',
  'K-12 student',
  'lawyer',
  'programmer',
  'retired',
  'sales/marketing',
  'scientist',
  'self-employed',
  'technician/engineer',
  'tradesman/craftsman',
  'unemployed',
  'writer',
] as const;

/** ml-1m's age groups: the code is the group's lower bound, except 1 for under 18. */
const AGE_GROUPS = [
  [1, 'under 18'],
  [18, '18-24'],
  [25, '25-34'],
  [35, '35-44'],
  [45, '45-49'],
  [50, '50-55'],
  [56, '56+'],
] as const;
export type AgeGroup = (typeof AGE_GROUPS)[number][1];

/** The group of an age in years. */
export function ageGroupOf(years: number): AgeGroup {
  let group: AgeGroup = AGE_GROUPS[0][1];
  for (const [from, name] of AGE_GROUPS) if (years >= from) group = name;
  return group;
}

const userSchema = z.object({
  userId: z.number().int().positive(),
  age: z.number().int().min(1).max(120),
  gender: z.enum(['F', 'M']),
  occupation: z.string().trim().min(1),
  zip: z.string().trim(),
});

/** Detects the layout from the first non-empty line; undefined if it is neither. */
function detectUsersFormat(firstLine: string): UsersFormat | undefined {
  if (/^\s*\d+::/.test(firstLine)) return 'dat';
  if (/^\s*\d+\|/.test(firstLine)) return 'user';
  return undefined;
}

/** Reads every user of a MovieLens demographics file (u.user or users.dat), in file order. */
export async function readUsers(path: string): Promise<MovieLensUser[]> {
  const lines = await readTextLines(path);
  const [first] = lines;
  const format = first === undefined ? undefined : detectUsersFormat(first.text);
  if (first === undefined || format === undefined) {
    throw new MovieLensFileError(
      path,
      first?.number,
      'unknown layout: expected u.user ("|") or users.dat ("::") fields',
    );
  }
  return lines.map(({ text, number }) => {
    const fail = (detail: string): never => {
      throw new MovieLensFileError(path, number, `${detail} in "${text}"`);
    };
    const fields = text.split(format === 'dat' ? '::' : '|');
    if (fields.length !== 5) fail(`expected 5 fields, found ${fields.length}`);
    const candidate = format === 'dat' ? fromDat(fields) : fromUser(fields);
    if (typeof candidate === 'string') return fail(candidate);
    const parsed = userSchema.safeParse(candidate);
    if (!parsed.success) {
      return fail(describeFieldIssues(parsed.error));
    }
    const { age } = parsed.data;
    return { ...parsed.data, ageGroup: ageGroupOf(age) };
  });
}

type UserFields = Record<keyof z.input<typeof userSchema>, unknown>;

function fromUser([userId, age, gender, occupation, zip]: readonly string[]): UserFields {
  return { userId: numberField(userId), age: numberField(age), gender, occupation, zip };
}

/** The fields of a users.dat line, or why they are not valid. */
function fromDat([userId, gender, age, occupation, zip]: readonly string[]): UserFields | string {
  const ageCode = numberField(age);
  if (!AGE_GROUPS.some(([code]) => code === ageCode)) return `age: unknown age group "${age}"`;
  const name = ML_1M_OCCUPATIONS[numberField(occupation)];
  if (!/^\d+$/.test(occupation ?? '') || name === undefined) {
    return `occupation: unknown occupation code "${occupation}"`;
  }
  return { userId: numberField(userId), age: ageCode, gender, occupation: name, zip };
}
