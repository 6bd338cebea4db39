import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { type FastifyRequest } from 'fastify';
import { type z } from 'zod';
import { validateRequest } from './request-validation.error';

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
    const input = pick
      ? pick(request)
      : { ...(request.query as object), ...(request.params as object) };
    return validateRequest(schema, input);
  },
);
