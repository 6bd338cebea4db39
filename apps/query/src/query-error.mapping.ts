import { HttpStatus } from '@nestjs/common';
import { type ErrorAnswer } from '@app/http';
import {
  ClusterNotFoundError,
  MovieNotFoundError,
  type QueryError,
  StoreUnavailableError,
} from '@app/query';

/** The query service's own errors, over HTTP and RPC alike. */
export function queryErrorAnswer(error: unknown): ErrorAnswer | undefined {
  if (
    error instanceof ClusterNotFoundError ||
    error instanceof MovieNotFoundError ||
    error instanceof StoreUnavailableError
  ) {
    return answerForQueryError(error);
  }
  return undefined;
}

function answerForQueryError(error: QueryError): ErrorAnswer {
  switch (error.code) {
    case 'CLUSTER_NOT_FOUND':
    case 'MOVIE_NOT_FOUND':
      return { status: HttpStatus.NOT_FOUND, body: { message: error.message } };
    case 'STORE_UNAVAILABLE':
      return { status: HttpStatus.SERVICE_UNAVAILABLE, body: { message: error.message } };
    default: {
      const unknown: never = error;
      throw new Error(`unmapped query error ${JSON.stringify(unknown)}`);
    }
  }
}
