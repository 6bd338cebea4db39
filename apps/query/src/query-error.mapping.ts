import { HttpException, HttpStatus, type Logger } from '@nestjs/common';
import { type FieldError, RequestValidationError } from '@app/http';
import { ClusterNotFoundError, type QueryError, StoreUnavailableError } from '@app/query';

export interface ErrorAnswer {
  status: number;
  body: { message: string; errors?: FieldError[] };
}

/**
 * What a failed request answers, over HTTP and RPC alike: a clear status and message, the bad
 * fields of an invalid request, never a stack trace. An unexpected error is logged, with its
 * stack, and answered 500.
 */
export function answerFor(error: unknown, logger: Logger): ErrorAnswer {
  const expected = expectedAnswer(error);
  if (expected !== undefined) return expected;
  logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return { status: HttpStatus.INTERNAL_SERVER_ERROR, body: { message: 'internal error' } };
}

function expectedAnswer(error: unknown): ErrorAnswer | undefined {
  if (error instanceof RequestValidationError) {
    return {
      status: HttpStatus.BAD_REQUEST,
      body: { message: 'invalid request', errors: error.errors },
    };
  }
  if (error instanceof ClusterNotFoundError || error instanceof StoreUnavailableError) {
    return answerForQueryError(error);
  }
  if (error instanceof HttpException) {
    const response = error.getResponse();
    const message =
      typeof response === 'string' ? response : String((response as { message?: unknown }).message);
    return { status: error.getStatus(), body: { message } };
  }
  return undefined;
}

function answerForQueryError(error: QueryError): ErrorAnswer {
  switch (error.code) {
    case 'CLUSTER_NOT_FOUND':
      return { status: HttpStatus.NOT_FOUND, body: { message: error.message } };
    case 'STORE_UNAVAILABLE':
      return { status: HttpStatus.SERVICE_UNAVAILABLE, body: { message: error.message } };
    default: {
      const unknown: never = error;
      throw new Error(`unmapped query error ${JSON.stringify(unknown)}`);
    }
  }
}
