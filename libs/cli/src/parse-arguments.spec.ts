import { z } from 'zod';
import { UsageError } from './cli-error';
import { parseArguments } from './parse-arguments';

const schema = z.object({
  k: z.coerce.number().int().positive(),
  out: z.string().optional(),
});

describe(parseArguments.name, () => {
  it('returns the parsed values', () => {
    expect(parseArguments(schema, { k: '20' })).toEqual({ k: 20 });
  });

  it('rejects with a usage error naming each option and its problem', () => {
    const attempt = () => parseArguments(schema, { k: '-1', out: 3 });

    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(/^--k: .+; --out: .+$/);
  });

  it('gives a problem of no single option without a name', () => {
    const either = schema.refine((a) => a.out !== undefined, { message: 'give --out' });

    expect(() => parseArguments(either, { k: '1' })).toThrow(/^give --out$/);
  });
});
