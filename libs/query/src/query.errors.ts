/** The model in use has no cluster with this id. */
export class ClusterNotFoundError extends Error {
  readonly code = 'CLUSTER_NOT_FOUND';

  constructor(readonly clusterId: number) {
    super(`no cluster ${clusterId} in the current model`);
    this.name = 'ClusterNotFoundError';
  }
}

/** Nobody rated or favourited the movie, and the catalogue does not know it. */
export class MovieNotFoundError extends Error {
  readonly code = 'MOVIE_NOT_FOUND';

  constructor(readonly movieId: number) {
    super(`no movie ${movieId}: nobody rated it and the catalogue does not list it`);
    this.name = 'MovieNotFoundError';
  }
}

/** Redis did not answer (down, unreachable or too slow): the request can be retried later. */
export class StoreUnavailableError extends Error {
  readonly code = 'STORE_UNAVAILABLE';

  constructor(cause: unknown) {
    super('the rating store is unavailable, try again shortly', { cause });
    this.name = 'StoreUnavailableError';
  }
}

export type QueryError = ClusterNotFoundError | MovieNotFoundError | StoreUnavailableError;
