import { z } from 'zod';

/**
 * A user's demographics, for placing users who have not rated anything yet (cold start).
 * Occupations and zip prefixes are open vocabularies: MovieLens 100k and 1M name occupations
 * differently, and a value the model has not seen simply carries no weight.
 */
export const userProfileSchema = z.object({
  age: z.number().int().min(1).max(120),
  gender: z.enum(['M', 'F', 'X']),
  occupation: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9 /&.-]{1,40}$/, 'expected 1-40 letters, digits, spaces or /&.-'),
  zipPrefix: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[0-9A-Z]{1,5}$/, 'expected the first 1-5 characters of a postal code'),
});

export type UserProfile = z.infer<typeof userProfileSchema>;
