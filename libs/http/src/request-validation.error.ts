import { type z } from 'zod';

export interface FieldError {
  /** Dotted path of the field, e.g. "limit" or "profile.age". */
  field: string;
  message: string;
}

/** A request whose input does not match its schema; answered 400 with every bad field named. */
export class RequestValidationError extends Error {
  readonly code = 'REQUEST_INVALID';

  constructor(readonly errors: FieldError[]) {
    super(`invalid request: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`);
    this.name = 'RequestValidationError';
  }
}

/** Parses request input with a schema; throws RequestValidationError naming each bad field. */
export function validateRequest<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new RequestValidationError(
    result.error.issues.map((issue) => ({
      field: issue.path.map(String).join('.') || '(request)',
      message: issue.message,
    })),
  );
}
