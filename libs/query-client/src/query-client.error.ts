/** The shape of an error the query service sends back over RPC. */
export interface QueryErrorBody {
  status: number;
  message: string;
  errors?: { field: string; message: string }[];
}

/** An RPC call the query service answered with an error (status as HTTP would give it). */
export class QueryClientError extends Error {
  readonly code = 'QUERY_FAILED';

  constructor(
    readonly status: number,
    message: string,
    readonly errors: { field: string; message: string }[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'QueryClientError';
  }

  static from(error: unknown): QueryClientError {
    if (isQueryErrorBody(error)) {
      return new QueryClientError(error.status, error.message, error.errors ?? [], {
        cause: error,
      });
    }
    const message = error instanceof Error ? error.message : 'the query service failed';
    return new QueryClientError(503, message, [], { cause: error });
  }
}

const isQueryErrorBody = (value: unknown): value is QueryErrorBody =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as QueryErrorBody).status === 'number' &&
  typeof (value as QueryErrorBody).message === 'string';
