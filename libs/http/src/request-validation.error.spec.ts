import { z } from 'zod';
import { RequestValidationError, validateRequest } from './request-validation.error';

const schema = z.object({
  id: z.number().int().min(1, 'at least 1').max(9, 'at most 9'),
  name: z.string().optional(),
  profile: z.object({ age: z.number() }),
});

function errorsOf(input: unknown) {
  try {
    validateRequest(schema, input);
  } catch (error) {
    if (error instanceof RequestValidationError) return error.errors;
    throw error;
  }
  throw new Error('the input was valid');
}

describe(validateRequest.name, () => {
  it('answers a valid input parsed', () => {
    expect(validateRequest(schema, { id: 3, profile: { age: 30 } })).toEqual({
      id: 3,
      profile: { age: 30 },
    });
  });

  it('calls an absent field required, at any depth, and names the others by their problem', () => {
    expect(errorsOf({ profile: {}, name: 7 })).toEqual([
      { field: 'id', message: 'required' },
      { field: 'name', message: 'Invalid input: expected string, received number' },
      { field: 'profile.age', message: 'required' },
    ]);
  });

  it('names a field once for each distinct problem', () => {
    const even = z.object({
      count: z.number().max(4, 'expected 0, 2 or 4').multipleOf(2, 'expected 0, 2 or 4'),
    });

    // 7 fails both checks with the same message; 6 fails one.
    expect(() => validateRequest(even, { count: 7 })).toThrow(
      new RequestValidationError([{ field: 'count', message: 'expected 0, 2 or 4' }]),
    );
    expect(() => validateRequest(even, { count: 6 })).toThrow('count: expected 0, 2 or 4');
  });

  it('names the request as a whole when it is not an object', () => {
    expect(errorsOf(null)).toEqual([
      { field: '(request)', message: 'Invalid input: expected object, received null' },
    ]);
  });
});
