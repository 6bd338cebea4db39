import { HttpException, HttpStatus, type Logger } from '@nestjs/common';
import { type FieldError, RequestValidationError } from './request-validation.error';

export interface ErrorAnswer {
  status: number;
  body: { message: string; errors?: FieldError[] };
}

/** A service's own errors and their answers; undefined for an error it does not know. */
export type ErrorMapping = (error: unknown) => ErrorAnswer | undefined;

/** A service provides its ErrorMapping under this token, for its error filters. */
export const ERROR_MAPPING = Symbol('ERROR_MAPPING');

/** Told of every unexpected error answered 500 (a metrics counter, say), by transport. */
export type UnexpectedErrorListener = (transport: 'http' | 'rpc') => void;
export const UNEXPECTED_ERRORS = Symbol('UNEXPECTED_ERRORS');

/**
 * What a failed request answers, over HTTP and RPC alike: a clear status and message, the bad
 * fields of an invalid request, never a stack trace. An unexpected error is logged, with its
 * stack, counted, and answered 500.
 */
export function answerFor(
  error: unknown,
  logger: Logger,
  mapping: ErrorMapping | undefined,
  unexpected: (() => void) | undefined,
): ErrorAnswer {
  if (error instanceof RequestValidationError) {
    return {
      status: HttpStatus.BAD_REQUEST,
      body: { message: 'invalid request', errors: error.errors },
    };
  }
  const known = mapping?.(error);
  if (known !== undefined) return known;
  if (error instanceof HttpException) {
    const response = error.getResponse();
    const message =
      typeof response === 'string' ? response : String((response as { message?: unknown }).message);
    return { status: error.getStatus(), body: { message } };
  }
  logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  unexpected?.();
  return { status: HttpStatus.INTERNAL_SERVER_ERROR, body: { message: 'internal error' } };
}
