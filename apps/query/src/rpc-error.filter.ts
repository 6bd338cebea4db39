import { Catch, Logger, type RpcExceptionFilter } from '@nestjs/common';
import { type Observable, throwError } from 'rxjs';
import { type QueryErrorBody } from '@app/query-client';
import { answerFor } from './query-error.mapping';

/** Sends RPC errors as `{ status, message, errors? }`, which QueryClient turns into an error. */
@Catch()
export class RpcErrorFilter implements RpcExceptionFilter {
  private readonly logger = new Logger(RpcErrorFilter.name);

  catch(error: unknown): Observable<never> {
    const { status, body } = answerFor(error, this.logger);
    return throwError(() => ({ status, ...body }) satisfies QueryErrorBody);
  }
}
