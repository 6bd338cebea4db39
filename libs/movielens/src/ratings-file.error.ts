/** A ratings file that cannot be read or holds a line that is not a rating. */
export class RatingsFileError extends Error {
  readonly code = 'RATINGS_FILE_INVALID';

  constructor(
    readonly path: string,
    readonly line: number | undefined,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(line === undefined ? `${path}: ${detail}` : `${path}:${line}: ${detail}`, options);
    this.name = 'RatingsFileError';
  }
}
