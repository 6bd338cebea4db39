import { MID_RATING, type UserProfile } from '@app/events';
import {
  type ClusterSummary,
  type ClustersResponse,
  type GenreShare,
  type PredictionResponse,
  type ProfileResponse,
  type RecommendationBasis,
  type RecommendationsResponse,
  type RecommendedMovie,
} from '@app/query-client';
import {
  nearestDemographicCluster,
  type RankBy,
  type RankedMovie,
  topUnseen,
} from '@app/recommend';
import { type RatingsRepository, type UserView } from '@app/store';
import { type ModelSnapshot } from './model-snapshot';
import { type ModelSnapshotCache } from './model-snapshot.cache';
import { type MovieCatalogue } from './movie-catalogue';
import { ClusterNotFoundError, StoreUnavailableError } from './query.errors';

const CLUSTER_TOP_MOVIES = 20;
const CLUSTER_LIST_TOP_MOVIES = 5;
const CLUSTER_GENRES = 8;

/**
 * The query service's answers: a user's cluster's best movies they have not seen, a predicted
 * rating, and what the clusters are. Each request reads the user from Redis once; everything
 * else comes from the cached model snapshot.
 */
export class Recommender {
  private readonly genreProfileCache = new WeakMap<ModelSnapshot, GenreShare[][]>();

  constructor(
    private readonly repository: RatingsRepository,
    private readonly snapshots: ModelSnapshotCache,
    private readonly catalogue: MovieCatalogue,
  ) {}

  /**
   * One Redis round trip reads the user (a second reads the ratings of a user who rated but is
   * not placed in the current model yet); the ranked lists are in memory.
   */
  async recommendations(request: {
    userId: number;
    limit: number;
    rank: RankBy;
  }): Promise<RecommendationsResponse> {
    const { userId, limit } = request;
    const snapshot = this.snapshots.current;
    const summary = await this.store(() => this.repository.readUserSummary(userId));
    const answer = (
      basis: RecommendationBasis,
      cluster: number | null,
      rank: RankBy,
      ranked: readonly RankedMovie[],
    ): RecommendationsResponse => ({
      userId,
      modelVersion: snapshot?.version ?? null,
      basis,
      cluster,
      rank,
      items: topUnseen(ranked, summary.seen, limit).map((movie) => this.describe(movie)),
    });
    if (snapshot === undefined) return answer('popularity', null, 'rating', []);
    const stored = summary.clusters.get(snapshot.version);
    if (stored !== undefined) {
      return answer('cluster', stored, request.rank, snapshot.ranking.ranked(stored, request.rank));
    }
    if (summary.rated > 0) {
      // Rated, but not placed in this model yet (ingestion does so moments after their first
      // rating): the nearest centre, from their ratings.
      const user = await this.readUser(userId);
      const cluster = snapshot.centroids.nearest(user.ratings);
      return answer(
        'cluster',
        cluster,
        request.rank,
        snapshot.ranking.ranked(cluster, request.rank),
      );
    }
    if (summary.profile !== undefined && snapshot.demographics !== undefined) {
      const { model, ranking } = snapshot.demographics;
      const group = nearestDemographicCluster(model, summary.profile);
      return answer('demographics', group, 'favourites', ranking.ranked(group, 'favourites'));
    }
    return answer('popularity', null, 'rating', snapshot.ranking.popular());
  }

  async prediction(request: { userId: number; movieId: number }): Promise<PredictionResponse> {
    const { userId, movieId } = request;
    const snapshot = this.snapshots.current;
    const user = await this.readUser(userId);
    const cluster = snapshot === undefined ? undefined : clusterOf(snapshot, user);
    const prediction =
      snapshot === undefined
        ? { rating: MID_RATING, source: 'global' as const, support: 0 }
        : snapshot.ranking.predict(cluster, user.ratings, movieId);
    return {
      userId,
      movieId,
      title: this.catalogue.describe(movieId).title,
      ...prediction,
      cluster: cluster ?? null,
      modelVersion: snapshot?.version ?? null,
    };
  }

  clusters(): ClustersResponse {
    const snapshot = this.snapshots.current;
    return {
      modelVersion: snapshot?.version ?? null,
      builtAt: snapshot?.builtAt ?? null,
      clusters:
        snapshot === undefined
          ? []
          : Array.from({ length: snapshot.clusterCount }, (_, id) =>
              this.summarise(snapshot, id, CLUSTER_LIST_TOP_MOVIES),
            ),
    };
  }

  cluster({ id }: { id: number }): ClusterSummary {
    const snapshot = this.snapshots.current;
    if (snapshot === undefined || id >= snapshot.clusterCount) throw new ClusterNotFoundError(id);
    return this.summarise(snapshot, id, CLUSTER_TOP_MOVIES);
  }

  async saveProfile(request: { userId: number; profile: UserProfile }): Promise<ProfileResponse> {
    await this.store(() => this.repository.saveProfile(request.userId, request.profile));
    return request;
  }

  private summarise(snapshot: ModelSnapshot, id: number, top: number): ClusterSummary {
    return {
      id,
      size: snapshot.sizes[id] ?? 0,
      topMovies: snapshot.ranking
        .ranked(id, 'favourites')
        .slice(0, top)
        .map((movie) => this.describe(movie)),
      genres: this.genreProfiles(snapshot)[id] ?? [],
    };
  }

  /**
   * Each cluster's genres: the shares of its favourites, weighted by favourite count, and their
   * lift against all clusters'. Computed once per snapshot, on first ask.
   */
  private genreProfiles(snapshot: ModelSnapshot): GenreShare[][] {
    const cached = this.genreProfileCache.get(snapshot);
    if (cached !== undefined) return cached;
    // A genre's share: the favourite count of its movies over all favourites counted.
    const shares = ({ weights, total }: { weights: Map<string, number>; total: number }) =>
      new Map([...weights].map(([genre, weight]) => [genre, weight / (total || 1)]));
    const perCluster = snapshot.ranking.clusters.map(({ favourites }) => {
      const weights = new Map<string, number>();
      let total = 0;
      for (const [movie, count] of favourites) {
        total += count;
        for (const genre of this.catalogue.describe(movie).genres) {
          weights.set(genre, (weights.get(genre) ?? 0) + count);
        }
      }
      return { weights, total };
    });
    const all = { weights: new Map<string, number>(), total: 0 };
    for (const { weights, total } of perCluster) {
      all.total += total;
      for (const [genre, weight] of weights) {
        all.weights.set(genre, (all.weights.get(genre) ?? 0) + weight);
      }
    }
    const overall = shares(all);
    const profiles = perCluster.map((cluster) =>
      [...shares(cluster)]
        .map(([genre, share]) => ({ genre, share, lift: share / (overall.get(genre) ?? share) }))
        .sort((a, b) => b.share - a.share || a.genre.localeCompare(b.genre))
        .slice(0, CLUSTER_GENRES),
    );
    this.genreProfileCache.set(snapshot, profiles);
    return profiles;
  }

  private describe(movie: RankedMovie): RecommendedMovie {
    return {
      movieId: movie.movieId,
      ...this.catalogue.describe(movie.movieId),
      score: movie.score,
      clusterFavourites: movie.favourites,
      clusterMeanRating: movie.meanRating ?? null,
      support: movie.support,
    };
  }

  private readUser(userId: number): Promise<UserView> {
    return this.store(() => this.repository.readUserView(userId));
  }

  private async store<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      throw new StoreUnavailableError(error);
    }
  }
}

/**
 * The user's cluster in the snapshot's model: as stored, or, for a user who rated movies but was
 * not placed yet (ingestion places them moments later), the nearest centre.
 */
function clusterOf(snapshot: ModelSnapshot, user: UserView): number | undefined {
  const stored = user.clusters.get(snapshot.version);
  if (stored !== undefined) return stored;
  if (user.ratings.size === 0) return undefined;
  return snapshot.centroids.nearest(user.ratings);
}
