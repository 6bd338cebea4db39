import { DEFAULT_FAVOURITE_MIN_RATING, favouritesOf, type IngestEvent } from '@app/events';
import { type ClusterAggregates } from '@app/recommend';
import { type StoredRating } from '@app/store';

export interface ExpectedUser {
  ratings: Map<number, StoredRating>;
  favourites: Set<number>;
  /** Movies the user disliked or watched. */
  hidden: Set<number>;
}

export interface ExpectedState {
  users: Map<number, ExpectedUser>;
  clusters: Map<number, ClusterAggregates>;
  /** Every user's contribution, whatever their cluster. */
  allUsers: ClusterAggregates;
}

/** The latest favourite-added or favourite-removed of a movie. */
interface ExplicitFavourite {
  timestamp: number;
  added: boolean;
}

const emptyAggregates = (): ClusterAggregates & {
  favourites: Map<number, number>;
  ratingSums: Map<number, number>;
  ratingCounts: Map<number, number>;
} => ({ favourites: new Map(), ratingSums: new Map(), ratingCounts: new Map() });

/**
 * The test oracle: Redis state computed from scratch, in memory, from the valid events. Ratings
 * are last-writer-wins by (timestamp, rating); explicit favourites by (timestamp, added before
 * removed: on the same second the add wins); favourites are then what favouritesOf says. A
 * disliked or watched movie is hidden for good. `deletedAt` (userId -> seconds) is the users'
 * deletions: their events up to it count for nothing, as if never sent.
 */
export function computeExpectedState(
  events: readonly IngestEvent[],
  clusterOf: ReadonlyMap<number, number>,
  favouriteMinRating = DEFAULT_FAVOURITE_MIN_RATING,
  deletedAt: ReadonlyMap<number, number> = new Map(),
): ExpectedState {
  const ratings = new Map<number, Map<number, StoredRating>>();
  const explicit = new Map<number, Map<number, ExplicitFavourite>>();
  const hidden = new Map<number, Set<number>>();
  for (const event of events) {
    if (event.timestamp <= (deletedAt.get(event.userId) ?? -1)) continue;
    const userRatings = ratings.get(event.userId) ?? new Map<number, StoredRating>();
    const userExplicit = explicit.get(event.userId) ?? new Map<number, ExplicitFavourite>();
    const userHidden = hidden.get(event.userId) ?? new Set<number>();
    ratings.set(event.userId, userRatings);
    explicit.set(event.userId, userExplicit);
    hidden.set(event.userId, userHidden);
    switch (event.kind) {
      case 'favourite':
      case 'favourite-removed': {
        const added = event.kind === 'favourite';
        const old = userExplicit.get(event.movieId);
        const newer =
          old === undefined ||
          event.timestamp > old.timestamp ||
          (event.timestamp === old.timestamp && added && !old.added);
        if (newer) userExplicit.set(event.movieId, { timestamp: event.timestamp, added });
        break;
      }
      case 'disliked':
      case 'watched':
        userHidden.add(event.movieId);
        break;
      case 'rating': {
        const old = userRatings.get(event.movieId);
        const newer =
          old === undefined ||
          event.timestamp > old.timestamp ||
          (event.timestamp === old.timestamp && event.rating > old.rating);
        if (newer) {
          userRatings.set(event.movieId, { rating: event.rating, timestamp: event.timestamp });
        }
        break;
      }
      default: {
        const unknown: never = event;
        throw new Error(`unknown event kind in ${JSON.stringify(unknown)}`);
      }
    }
  }

  const users = new Map<number, ExpectedUser>();
  const clusters = new Map<number, ReturnType<typeof emptyAggregates>>();
  const allUsers = emptyAggregates();
  const add = (aggregates: ReturnType<typeof emptyAggregates>, user: ExpectedUser): void => {
    for (const [movie, { rating }] of user.ratings) {
      aggregates.ratingSums.set(movie, (aggregates.ratingSums.get(movie) ?? 0) + rating);
      aggregates.ratingCounts.set(movie, (aggregates.ratingCounts.get(movie) ?? 0) + 1);
    }
    for (const movie of user.favourites) {
      aggregates.favourites.set(movie, (aggregates.favourites.get(movie) ?? 0) + 1);
    }
  };
  for (const [userId, userRatings] of ratings) {
    const pairs = [...userRatings].map(([movie, { rating }]) => [movie, rating] as const);
    const added = [...(explicit.get(userId) ?? [])].filter(([, f]) => f.added).map(([m]) => m);
    const user = {
      ratings: userRatings,
      favourites: favouritesOf(pairs, added, favouriteMinRating),
      hidden: hidden.get(userId) ?? new Set<number>(),
    };
    users.set(userId, user);
    add(allUsers, user);
    const cluster = clusterOf.get(userId);
    if (cluster === undefined) continue;
    let aggregates = clusters.get(cluster);
    if (!aggregates) clusters.set(cluster, (aggregates = emptyAggregates()));
    add(aggregates, user);
  }
  return { users, clusters, allUsers };
}

/** How far Redis departs from the oracle, in the units a failure drill reports. */
export interface Departures {
  /** Ratings and favourites of users the oracle has. */
  entries: number;
  /** Of those, the ones Redis lacks or holds with another value. */
  lost: number;
  /** Aggregate counts (ratings and favourites, per movie, of every cluster and all users) above the oracle's... */
  overCounted: number;
  /** ...and below it. */
  underCounted: number;
}

export function departures(expected: ExpectedState, actual: ExpectedState): Departures {
  let entries = 0;
  let lost = 0;
  for (const [userId, user] of expected.users) {
    const stored = actual.users.get(userId);
    entries += user.ratings.size + user.favourites.size;
    for (const [movie, { rating }] of user.ratings) {
      if (stored?.ratings.get(movie)?.rating !== rating) lost++;
    }
    for (const movie of user.favourites) if (!stored?.favourites.has(movie)) lost++;
  }
  let overCounted = 0;
  let underCounted = 0;
  const compare = (want: ReadonlyMap<number, number>, have: ReadonlyMap<number, number>) => {
    for (const movie of new Set([...want.keys(), ...have.keys()])) {
      const difference = (have.get(movie) ?? 0) - (want.get(movie) ?? 0);
      if (difference > 0) overCounted += difference;
      else underCounted -= difference;
    }
  };
  const none: ClusterAggregates = {
    favourites: new Map(),
    ratingSums: new Map(),
    ratingCounts: new Map(),
  };
  const pairs: [ClusterAggregates, ClusterAggregates][] = [[expected.allUsers, actual.allUsers]];
  for (const cluster of new Set([...expected.clusters.keys(), ...actual.clusters.keys()])) {
    pairs.push([expected.clusters.get(cluster) ?? none, actual.clusters.get(cluster) ?? none]);
  }
  for (const [want, have] of pairs) {
    compare(want.ratingCounts, have.ratingCounts);
    compare(want.favourites, have.favourites);
  }
  return { entries, lost, overCounted, underCounted };
}
