import { favouritesOf, type UserProfile } from '@app/events';
import { type FoldedUser } from '@app/factorization';
import {
  type ClusterSummary,
  type ClustersResponse,
  type GenreShare,
  type ListSource,
  type PredictionResponse,
  type ProfileResponse,
  type QueryRank,
  type RecommendationBasis,
  type RecommendationsResponse,
  type RecommendedMovie,
} from '@app/query-client';
import {
  nearestDemographicCluster,
  placeUser,
  type RankBy,
  type RankedMovie,
} from '@app/recommend';
import {
  isRedisUnavailable,
  type ProfileStore,
  type StoredUser,
  type UserCluster,
  type UserEventStore,
} from '@app/store';
import { type ModelSnapshot } from './model-snapshot';
import { type MovieCatalogue } from './movie-catalogue';
import { MovieFilter, type RecommendationFilters } from './movie-filter';
import { type QuerySnapshot } from './query-snapshot';
import { type QuerySnapshotCache } from './query-snapshot.cache';
import { ClusterNotFoundError, MovieNotFoundError, StoreUnavailableError } from './query.errors';
import { type TasteFactors } from './taste-factors';

const CLUSTER_TOP_MOVIES = 20;
const CLUSTER_LIST_TOP_MOVIES = 5;
const CLUSTER_GENRES = 8;

/**
 * The cluster ranking each requested rank draws its list from: `predicted` re-ranks the rating
 * list, `similar` goes on with the favourites list after the movies like the user's favourites.
 */
const LIST_RANK: Record<QueryRank, RankBy> = {
  favourites: 'favourites',
  rating: 'rating',
  predicted: 'rating',
  similar: 'favourites',
};

/** The stores a request reads and writes. */
export interface RecommenderStores {
  users: UserEventStore;
  profiles: ProfileStore;
}

/**
 * The query service's answers: a user's cluster's best movies they have not seen, a predicted
 * rating, and what the clusters are. Each request reads the user from Redis once; everything
 * else comes from the cached snapshot.
 */
export class Recommender {
  private readonly genreProfileCache = new WeakMap<ModelSnapshot, GenreShare[][]>();

  constructor(
    private readonly stores: RecommenderStores,
    private readonly snapshots: QuerySnapshotCache,
    private readonly catalogue: MovieCatalogue,
  ) {}

  /**
   * The user's list: their taste cluster's, their demographic group's (a profile and no
   * ratings), or the popular one; never a movie they rated, favourited, disliked or watched.
   * While any movie is unseen, the answer has `limit` items: a short list is filled from the
   * popular one, ranked the same way, and the answer says how many came from there.
   * `predicted` ranks the cluster's movies with enough support by the user's ALS prediction,
   * the user folded in from their ratings as they are now; without factors (or without a
   * rating of a movie they know) the list is ranked by `rating`, and the answer's `rank` says
   * so. `similar` starts with the movies most like the user's favourites by the model's item
   * neighbourhoods, then goes on with the cluster's list by `favourites`; without
   * neighbourhoods (or a favourite they cover) the list is ranked by `favourites`, and `rank`
   * says so.
   *
   * Filters leave movies out of every list alike, the popular backfill included. `offset` pages:
   * the answer is the whole list's items from `offset` to `offset + limit`, so consecutive
   * pages join into the list one larger request gets.
   */
  async recommendations(
    request: {
      userId: number;
      limit: number;
      rank: QueryRank;
      offset?: number;
    } & RecommendationFilters,
  ): Promise<RecommendationsResponse> {
    const { userId, limit, offset = 0 } = request;
    const end = offset + limit;
    const { snapshot, variant } = this.snapshots.forUser(userId);
    const user = await this.readUser(userId);
    const predicted = request.rank === 'predicted' ? predictedFor(snapshot, user) : undefined;
    const rank = LIST_RANK[request.rank];
    const { basis, cluster, provisional, list, source } = listFor(snapshot, user, rank);
    const filter = new MovieFilter(request, (movieId) => this.catalogue.describe(movieId).genres);
    const seen = seenBy(user);
    const picked: { movie: RankedMovie; from: ListSource }[] = [];
    const pick = (ranked: readonly RankedMovie[], from: ListSource) => {
      for (const movie of ranked) {
        if (picked.length >= end) return;
        if (seen.has(movie.movieId) || !filter.admits(movie.movieId)) continue;
        seen.add(movie.movieId);
        picked.push({ movie, from });
      }
    };
    const supported = (ranked: readonly RankedMovie[]) =>
      ranked.filter((movie) => movie.support >= snapshot.popular.settings.minSupport);
    const similar =
      request.rank === 'similar'
        ? similarTo(snapshot, user, basis === 'cluster' ? cluster : null, seen, filter, end)
        : [];
    pick(similar, 'similar');
    pick(predicted === undefined ? list : predicted.rank(supported(list)), source);
    // Ranking the popular list by prediction costs a pass over the catalogue: only when needed.
    if (picked.length < end) {
      const popular = snapshot.popular.ranked(0, rank);
      pick(predicted === undefined ? popular : predicted.rank(supported(popular)), 'popular');
    }
    const items = picked.slice(offset).map(({ movie, from }) => this.describe(movie, from));
    return {
      userId,
      modelVersion: snapshot.model?.version ?? null,
      basis,
      cluster,
      provisional,
      rank: predicted !== undefined ? 'predicted' : similar.length > 0 ? 'similar' : rank,
      variant,
      filters: { ...filter.applied(), offset },
      backfilled:
        basis === 'popularity' ? 0 : items.filter((item) => item.source === 'popular').length,
      items,
    };
  }

  /**
   * A predicted rating: from the model's ALS factors, the user folded in from their other
   * ratings as they are now, when the model has factors, knows the movie and the user rated one
   * of its movies; else from the user's cluster's mean, moved to the user's scale; from the
   * movie's mean without a cluster. A movie that nobody rated and the catalogue does not know is
   * not found.
   */
  async prediction(request: { userId: number; movieId: number }): Promise<PredictionResponse> {
    const { userId, movieId } = request;
    const { snapshot, variant } = this.snapshots.forUser(userId);
    const title = this.catalogue.describe(movieId).title;
    if (!snapshot.knows(movieId) && title === null) throw new MovieNotFoundError(movieId);
    const user = await this.readUser(userId);
    const model = snapshot.model;
    const placed = model === undefined ? undefined : tasteClusterOf(model, user);
    const ranking = model?.ranking ?? snapshot.popular;
    const ratings = ratingsOf(user);
    const fromCluster = ranking.predict(placed?.cluster, ratings, movieId);
    // As the cluster prediction, a rating of the movie itself never informs its own prediction.
    ratings.delete(movieId);
    const rating = alsPrediction(model?.factors, ratings, movieId);
    return {
      userId,
      movieId,
      title,
      ...fromCluster,
      ...(rating === undefined ? {} : { rating, source: 'als' as const }),
      cluster: placed?.cluster ?? null,
      modelVersion: model?.version ?? null,
      variant,
    };
  }

  clusters(): ClustersResponse {
    const model = this.snapshots.current?.model;
    return {
      modelVersion: model?.version ?? null,
      builtAt: model?.builtAt ?? null,
      clusters:
        model === undefined
          ? []
          : Array.from({ length: model.clusterCount }, (_, id) =>
              this.summarise(model, id, CLUSTER_LIST_TOP_MOVIES),
            ),
    };
  }

  cluster({ id }: { id: number }): ClusterSummary {
    const model = this.snapshots.current?.model;
    if (model === undefined || id >= model.clusterCount) throw new ClusterNotFoundError(id);
    return this.summarise(model, id, CLUSTER_TOP_MOVIES);
  }

  async saveProfile(request: { userId: number; profile: UserProfile }): Promise<ProfileResponse> {
    await this.store(() => this.stores.profiles.save(request.userId, request.profile));
    return request;
  }

  private summarise(model: ModelSnapshot, id: number, top: number): ClusterSummary {
    return {
      id,
      size: model.sizes[id] ?? 0,
      topMovies: model.ranking
        .ranked(id, 'favourites')
        .slice(0, top)
        .map((movie) => this.describe(movie, 'cluster')),
      genres: this.genreProfiles(model)[id] ?? [],
    };
  }

  /**
   * Each cluster's genres: the shares of its favourites, weighted by favourite count, and their
   * lift against all clusters'. Computed once per snapshot, on first ask.
   */
  private genreProfiles(model: ModelSnapshot): GenreShare[][] {
    const cached = this.genreProfileCache.get(model);
    if (cached !== undefined) return cached;
    // A genre's share: the favourite count of its movies over all favourites counted.
    const shares = ({ weights, total }: { weights: Map<string, number>; total: number }) =>
      new Map([...weights].map(([genre, weight]) => [genre, weight / (total || 1)]));
    const perCluster = model.ranking.clusters.map(({ favourites }) => {
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
    this.genreProfileCache.set(model, profiles);
    return profiles;
  }

  private describe(movie: RankedMovie, source: ListSource): RecommendedMovie {
    return {
      movieId: movie.movieId,
      ...this.catalogue.describe(movie.movieId),
      score: movie.score,
      source,
      clusterFavourites: movie.favourites,
      clusterMeanRating: movie.meanRating ?? null,
      support: movie.support,
    };
  }

  private readUser(userId: number): Promise<StoredUser> {
    return this.store(() => this.stores.users.readUser(userId));
  }

  /** Redis being unavailable is a 503 to the caller; any other failure is a fault, a 500. */
  private async store<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      throw isRedisUnavailable(error) ? new StoreUnavailableError(error) : error;
    }
  }
}

/**
 * The user's cluster in a model: as stored, or, for a user who rated movies but was not placed
 * yet (ingestion places them moments later), where the model's placement rule puts them.
 */
export function tasteClusterOf(model: ModelSnapshot, user: StoredUser): UserCluster | undefined {
  const stored = user.clusters.get(model.version);
  if (stored !== undefined) return stored;
  if (user.ratings.size === 0) return undefined;
  const ratings = [...user.ratings].map(([movie, { rating }]) => [movie, rating] as const);
  return { cluster: placeUser(model.placement, ratings, user.profile).cluster, provisional: true };
}

/** The user's ratings as they are now, movieId -> rating. */
function ratingsOf(user: StoredUser): Map<number, number> {
  return new Map([...user.ratings].map(([movie, { rating }]) => [movie, rating]));
}

/** The user folded into the model's factors, with them, or undefined (see TasteFactors.foldIn). */
function predictedFor(
  snapshot: QuerySnapshot,
  user: StoredUser,
): { rank: (candidates: readonly RankedMovie[]) => RankedMovie[] } | undefined {
  const factors = snapshot.model?.factors;
  const folded = factors?.foldIn(ratingsOf(user));
  if (factors === undefined || folded === undefined) return undefined;
  return { rank: (candidates) => factors.rank(folded, candidates) };
}

/**
 * Up to `limit` unseen movies the filter admits most like the user's favourites (their ratings
 * from the model's threshold up and their explicit favourites), scored by summed similarity and
 * described as the user's cluster sees them; none without the model's neighbourhoods.
 */
function similarTo(
  snapshot: QuerySnapshot,
  user: StoredUser,
  cluster: number | null,
  seen: ReadonlySet<number>,
  filter: MovieFilter,
  limit: number,
): RankedMovie[] {
  const model = snapshot.model;
  if (model?.similar === undefined) return [];
  const favourites = favouritesOf(
    ratingsOf(user),
    user.explicitFavourites,
    model.settings.favouriteMinRating,
  );
  const leftOut = new Set([...seen, ...filter.excluded]);
  // Genres are tested after scoring, so then every candidate is scored before the best are kept.
  return model.similar
    .recommendScored(favourites, leftOut, filter.byGenre ? Number.MAX_SAFE_INTEGER : limit)
    .filter(({ movieId }) => filter.admits(movieId))
    .slice(0, limit)
    .map(({ movieId, score }) => model.ranking.movieIn(cluster ?? undefined, movieId, score));
}

function alsPrediction(
  factors: TasteFactors | undefined,
  ratings: ReadonlyMap<number, number>,
  movieId: number,
): number | undefined {
  const folded: FoldedUser | undefined = factors?.foldIn(ratings);
  return folded === undefined ? undefined : factors?.predict(folded, movieId);
}

interface UserList {
  basis: RecommendationBasis;
  cluster: number | null;
  provisional: boolean;
  list: readonly RankedMovie[];
  source: ListSource;
}

/** Which list a user gets: their taste cluster's, their demographic group's, or the popular one. */
function listFor(snapshot: QuerySnapshot, user: StoredUser, rank: RankBy): UserList {
  const model = snapshot.model;
  const placed = model === undefined ? undefined : tasteClusterOf(model, user);
  if (model !== undefined && placed !== undefined) {
    return {
      basis: 'cluster',
      cluster: placed.cluster,
      provisional: placed.provisional,
      list: model.ranking.ranked(placed.cluster, rank),
      source: 'cluster',
    };
  }
  if (model?.demographics !== undefined && user.profile !== undefined) {
    const group = nearestDemographicCluster(model.demographics.model, user.profile);
    return {
      basis: 'demographics',
      cluster: group,
      provisional: false,
      list: model.demographics.ranking.ranked(group, rank),
      source: 'demographics',
    };
  }
  return {
    basis: 'popularity',
    cluster: null,
    provisional: false,
    list: snapshot.popular.ranked(0, rank),
    source: 'popular',
  };
}

/** Movies the user rated, favourited, disliked or watched: never recommended back. */
function seenBy(user: StoredUser): Set<number> {
  return new Set([...user.ratings.keys(), ...user.explicitFavourites, ...user.hidden]);
}
