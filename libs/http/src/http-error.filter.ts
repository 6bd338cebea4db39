import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  Inject,
  Logger,
  Optional,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  answerFor,
  ERROR_MAPPING,
  type ErrorMapping,
  UNEXPECTED_ERRORS,
  type UnexpectedErrorListener,
} from './error-answer';

/** Answers every HTTP error as `{ message, errors? }` with its status; 500 hides the details. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpErrorFilter.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Optional() @Inject(ERROR_MAPPING) private readonly mapping?: ErrorMapping,
    @Optional() @Inject(UNEXPECTED_ERRORS) private readonly unexpected?: UnexpectedErrorListener,
  ) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const { status, body } = answerFor(error, this.logger, this.mapping, () =>
      this.unexpected?.('http'),
    );
    this.adapterHost.httpAdapter.reply(host.switchToHttp().getResponse(), body, status);
  }
}
