import { type AlsSettings, trainAls } from '@app/factorization';
import { type ModelDescription, type RatingsSnapshot, type StoredAlsFactors } from '@app/store';

export interface TrainedFactors {
  /** The movie side, stored with the version. */
  stored: StoredAlsFactors;
  /** What the model's description records of it. */
  description: NonNullable<ModelDescription['als']>;
}

/**
 * ALS on the raw ratings a recluster read, the same matrix k-means clustered (before its values
 * were centred). Only the movie side is kept: the query service folds each user in from their
 * ratings at request time, so user factors would be stale the moment an event arrives.
 */
export async function trainMovieFactors(
  snapshot: RatingsSnapshot,
  settings: AlsSettings,
  threads?: number,
): Promise<TrainedFactors> {
  const started = performance.now();
  const model = await trainAls(
    { matrix: snapshot.ratings, userIds: snapshot.userIds, movieIds: snapshot.movieIds },
    settings,
    threads === undefined ? {} : { threads },
  );
  return {
    stored: {
      globalMean: model.globalMean,
      movieIds: model.movieIds,
      movieFactors: model.movieFactors,
      movieBiases: model.movieBiases,
    },
    description: {
      settings: model.settings,
      movies: model.movieIds.length,
      trainSeconds: Math.round(performance.now() - started) / 1000,
    },
  };
}
