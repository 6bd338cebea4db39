/**
 * A MovieLens file (ratings, movies or users) that cannot be read or holds a line that cannot be
 * parsed.
 */
export class MovieLensFileError extends Error {
  readonly code = 'MOVIELENS_FILE_INVALID';

  constructor(
    readonly path: string,
    readonly line: number | undefined,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(line === undefined ? `${path}: ${detail}` : `${path}:${line}: ${detail}`, options);
    this.name = 'MovieLensFileError';
  }
}
