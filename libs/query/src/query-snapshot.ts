import {
  type ClusterAggregates,
  ClusterRanking,
  MovieStatistics,
  type ShrinkageSettings,
} from '@app/recommend';
import { type StoredModel } from '@app/store';
import { ModelSnapshot } from './model-snapshot';

/** Everyone's statistics per movie and the popular lists: one read, whatever the model. */
export interface PopularLists {
  readonly movies: MovieStatistics;
  readonly popular: ClusterRanking;
}

/**
 * What requests are answered from: every user's ratings and favourites per movie (the popular
 * lists, and each movie's mean), and the model in use, if one was published yet. A candidate's
 * snapshot shares the popular lists of the active one (given as `everyone`).
 */
export class QuerySnapshot implements PopularLists {
  readonly movies: MovieStatistics;
  /** Everyone as one cluster: the most favoured and the best rated movies overall. */
  readonly popular: ClusterRanking;
  readonly model: ModelSnapshot | undefined;

  constructor(
    everyone: ClusterAggregates | PopularLists,
    model: { stored: StoredModel; clusters: readonly ClusterAggregates[] } | undefined,
    shrinkage: ShrinkageSettings,
  ) {
    if ('popular' in everyone) {
      this.movies = everyone.movies;
      this.popular = everyone.popular;
    } else {
      this.movies = new MovieStatistics([everyone], shrinkage);
      this.popular = new ClusterRanking([everyone], shrinkage, this.movies);
    }
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
