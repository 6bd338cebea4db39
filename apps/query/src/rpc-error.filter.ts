import { Catch, Logger, type RpcExceptionFilter } from '@nestjs/common';
import { type Observable, throwError } from 'rxjs';
import { type QueryErrorBody } from '@app/query-client';
import { answerFor } from './query-error.mapping';

/** Sends RPC errors as `{ status, message, errors? }`, which QueryClient turns into an error. */
@Catch()
export class RpcErrorFilter implements RpcExceptionFilter {
  private readonly logger = new Logger(RpcErrorFilter.name);

  catch(error: unknown): Observable<never> {
    const answer = answerFor(error);
    if (answer === undefined) {
      this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    }
    const { status, body } = answer ?? { status: 500, body: { message: 'internal error' } };
    return throwError(() => ({ status, ...body }) satisfies QueryErrorBody);
  }
}
