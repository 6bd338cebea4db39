import { type z } from 'zod';

export interface FieldError {
  /** Dotted path of the field, e.g. "limit" or "profile.age". */
  field: string;
  message: string;
}

/** The field name of an error about the request as a whole (not an object, say). */
export const WHOLE_REQUEST = '(request)';

/** A request whose input does not match its schema; answered 400 with every bad field named. */
export class RequestValidationError extends Error {
  readonly code = 'REQUEST_INVALID';

  constructor(readonly errors: FieldError[]) {
    super(`invalid request: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`);
    this.name = 'RequestValidationError';
  }
}

/**
 * Parses request input with a schema; throws RequestValidationError naming each bad field once.
 * A field that is absent is "required", whatever the schema expected of it.
 */
export function validateRequest<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const errors = new Map<string, FieldError>();
  for (const issue of result.error.issues) {
    const field = issue.path.map(String).join('.') || WHOLE_REQUEST;
    const message = 'input' in issue && issue.input === undefined ? 'required' : issue.message;
    errors.set(`${field}\n${message}`, { field, message });
  }
  throw new RequestValidationError([...errors.values()]);
}
