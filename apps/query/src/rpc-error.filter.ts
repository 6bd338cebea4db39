import { Catch, Inject, Logger, Optional, type RpcExceptionFilter } from '@nestjs/common';
import { type Observable, throwError } from 'rxjs';
import {
  answerFor,
  ERROR_MAPPING,
  type ErrorMapping,
  UNEXPECTED_ERRORS,
  type UnexpectedErrorListener,
} from '@app/http';
import { type QueryErrorBody } from '@app/query-client';

/** Sends RPC errors as `{ status, message, errors? }`, which QueryClient turns into an error. */
@Catch()
export class RpcErrorFilter implements RpcExceptionFilter {
  private readonly logger = new Logger(RpcErrorFilter.name);

  constructor(
    @Optional() @Inject(ERROR_MAPPING) private readonly mapping?: ErrorMapping,
    @Optional() @Inject(UNEXPECTED_ERRORS) private readonly unexpected?: UnexpectedErrorListener,
  ) {}

  catch(error: unknown): Observable<never> {
    const { status, body } = answerFor(error, this.logger, this.mapping, () =>
      this.unexpected?.('rpc'),
    );
    return throwError(() => ({ status, ...body }) satisfies QueryErrorBody);
  }
}
