import { HttpStatus } from '@nestjs/common';
import { type ErrorAnswer } from '@app/http';
import { FencedOutError, isRedisUnavailable } from '@app/store';

/** The recluster service's own errors: a run that lost its claim, Redis unavailable. */
export function reclusterErrorAnswer(error: unknown): ErrorAnswer | undefined {
  if (error instanceof FencedOutError) {
    return { status: HttpStatus.CONFLICT, body: { message: error.message } };
  }
  if (isRedisUnavailable(error)) {
    return {
      status: HttpStatus.SERVICE_UNAVAILABLE,
      body: { message: 'Redis is unavailable, try again shortly' },
    };
  }
  return undefined;
}
