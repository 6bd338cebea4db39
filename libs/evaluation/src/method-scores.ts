import {
  meanAbsoluteError,
  rootMeanSquaredError,
  type ScoredRating,
  topFractionMeanRating,
} from './accuracy-metrics';
import { type Method } from './methods';
import { catalogueCoverage, ndcgAt, precisionAt, recallAt } from './ranking-metrics';

/** Length of every recommendation list, and the k of precision@k, recall@k and NDCG@k. */
export const LIST_LENGTH = 10;
/** Share of each user's held-out movies the top-rating metric looks at. */
export const TOP_FRACTION = 0.05;

export interface MethodScores {
  /** The accuracy metrics are left out for methods that predict nothing. */
  rmse?: number | undefined;
  mae?: number | undefined;
  top5pctMeanRating?: number | undefined;
  /** The ranking metrics are left out for methods that recommend nothing. */
  precision10?: number;
  recall10?: number;
  ndcg10?: number;
  coverage?: number;
}

/** What the methods made of one test user. */
export interface UserOutcome {
  userId: number;
  /** The user's cluster; undefined for a user the cluster method could not place. */
  cluster: number | undefined;
  /** Held-out ratings and their predictions, for the methods that predict. */
  scored: Partial<Record<Method, ScoredRating[]>>;
  /** Movie ids, best first, for the methods that recommend. */
  lists: Partial<Record<Method, number[]>>;
  /** Held-out favourites: test ratings of at least the favourite threshold, unrated in training. */
  relevant: ReadonlySet<number>;
}

/**
 * One method's scores over some users' outcomes: rating errors over all their held-out
 * ratings; ranking metrics averaged over the users with at least one held-out favourite;
 * coverage over every list shown.
 */
export function scoreMethod(
  outcomes: readonly UserOutcome[],
  method: Method,
  catalogue: number,
): MethodScores {
  const perUser = outcomes.flatMap((outcome) => {
    const scored = outcome.scored[method];
    return scored === undefined ? [] : [scored];
  });
  const all = perUser.flat();
  const scores: MethodScores =
    perUser.length === 0
      ? {}
      : {
          rmse: rootMeanSquaredError(all),
          mae: meanAbsoluteError(all),
          top5pctMeanRating: topFractionMeanRating(perUser, TOP_FRACTION),
        };
  const lists = outcomes.flatMap((outcome) => {
    const list = outcome.lists[method];
    return list === undefined ? [] : [list];
  });
  if (lists.length === 0) return scores;
  const judged = outcomes.filter((outcome) => outcome.relevant.size > 0);
  const mean = (metric: typeof precisionAt) =>
    judged.length === 0
      ? 0
      : judged.reduce(
          (sum, { lists: l, relevant }) => sum + metric(l[method] ?? [], relevant, LIST_LENGTH),
          0,
        ) / judged.length;
  return {
    ...scores,
    precision10: mean(precisionAt),
    recall10: mean(recallAt),
    ndcg10: mean(ndcgAt),
    coverage: catalogueCoverage(lists, catalogue),
  };
}
