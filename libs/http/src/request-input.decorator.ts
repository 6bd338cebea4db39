import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { type FastifyRequest } from 'fastify';
import { type z } from 'zod';
import { RequestValidationError, validateRequest } from './request-validation.error';

/**
 * An HTTP handler's whole input, validated: by default the path parameters and the query string
 * merged (so a schema names fields wherever they arrive); `pick` chooses otherwise, e.g. to
 * nest a JSON body. Invalid input never reaches the handler.
 */
export const RequestInput = createParamDecorator(
  (
    { schema, pick }: { schema: z.ZodType; pick?: (request: FastifyRequest) => unknown },
    context: ExecutionContext,
  ): unknown => {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (pick) return validateRequest(schema, pick(request));
    const query = request.query as Record<string, unknown>;
    rejectRepeated(query);
    return validateRequest(schema, { ...query, ...(request.params as object) });
  },
);

/**
 * Every query parameter of the API takes one value; the query string parser makes an array of a
 * parameter given twice, which would otherwise fail as a value of the wrong type.
 */
function rejectRepeated(query: Record<string, unknown>): void {
  const repeated = Object.keys(query).filter((name) => Array.isArray(query[name]));
  if (repeated.length > 0) {
    throw new RequestValidationError(
      repeated.map((field) => ({ field, message: 'given more than once: expected one value' })),
    );
  }
}
