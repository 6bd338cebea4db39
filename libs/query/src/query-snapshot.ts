import {
  type ClusterAggregates,
  ClusterRanking,
  MovieStatistics,
  type ShrinkageSettings,
} from '@app/recommend';
import { type StoredModel } from '@app/store';
import { ModelSnapshot } from './model-snapshot';

/**
 * What requests are answered from: every user's ratings and favourites per movie (the popular
 * lists, and each movie's mean), and the model in use, if one was published yet.
 */
export class QuerySnapshot {
  readonly movies: MovieStatistics;
  /** Everyone as one cluster: the most favoured and the best rated movies overall. */
  readonly popular: ClusterRanking;
  readonly model: ModelSnapshot | undefined;

  constructor(
    allUsers: ClusterAggregates,
    model: { stored: StoredModel; clusters: readonly ClusterAggregates[] } | undefined,
    shrinkage: ShrinkageSettings,
  ) {
    this.movies = new MovieStatistics([allUsers], shrinkage);
    this.popular = new ClusterRanking([allUsers], shrinkage, this.movies);
    this.model =
      model === undefined
        ? undefined
        : new ModelSnapshot(model.stored, model.clusters, this.movies, shrinkage);
  }

  /**
   * Ranks everything requests will ask for, a cluster per turn of the event loop: a snapshot is
   * warmed before it replaces the one in use, so no request waits for a sort.
   */
  async warm(): Promise<void> {
    await this.popular.warm();
    await this.model?.ranking.warm();
    await this.model?.demographics?.ranking.warm();
  }

  /** Whether anyone rated or favoured the movie. */
  knows(movieId: number): boolean {
    const [everyone] = this.popular.clusters;
    return (
      everyone?.ratingCounts.has(movieId) === true || everyone?.favourites.has(movieId) === true
    );
  }
}
