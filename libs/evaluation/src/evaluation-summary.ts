import { type MovieLensUser } from '@app/movielens';
import { type Evaluation, type Method, METHODS, type MethodScores, scoreMethod } from './evaluator';

/** Scores, rounded for reading, of one group of test users (a gender, an age group). */
export type GroupScores = Pick<MethodScores, 'rmse' | 'ndcg10'> & { users: number };

/** An evaluation as the command-line tools print it: plain JSON, scores to four decimals. */
export interface EvaluationSummary {
  methods: Record<Method, MethodScores>;
  k: number;
  clusters: number;
  sizesBefore: number[];
  sizesAfter: number[];
  inertia: number;
  users: number;
  testUsers: number;
  coldUsers: number;
  trainRatings: number;
  testRatings: number;
  catalogue: number;
  seconds: number;
  /** The cluster method's scores per gender and age group, when demographics were given. */
  byGender?: Record<string, GroupScores>;
  byAgeGroup?: Record<string, GroupScores>;
}

export function summarizeEvaluation(
  evaluation: Evaluation,
  users?: ReadonlyMap<number, MovieLensUser>,
): EvaluationSummary {
  const { model } = evaluation;
  const summary: EvaluationSummary = {
    methods: Object.fromEntries(
      METHODS.map((method) => [method, roundScores(evaluation.methods[method])]),
    ) as Record<Method, MethodScores>,
    k: evaluation.k,
    clusters: model.clusters,
    sizesBefore: model.sizesBefore,
    sizesAfter: model.sizesAfter,
    inertia: round(model.inertia, 1),
    users: model.users,
    testUsers: evaluation.testUsers,
    coldUsers: evaluation.coldUsers,
    trainRatings: evaluation.trainRatings,
    testRatings: evaluation.testRatings,
    catalogue: evaluation.catalogue,
    seconds: round(evaluation.seconds.model + evaluation.seconds.scoring, 2),
  };
  if (users === undefined) return summary;
  return {
    ...summary,
    byGender: scoreGroups(evaluation, (userId) => users.get(userId)?.gender),
    byAgeGroup: scoreGroups(evaluation, (userId) => users.get(userId)?.ageGroup),
  };
}

/** The cluster method's scores per group of users; users in no group are left out. */
function scoreGroups(
  evaluation: Evaluation,
  groupOf: (userId: number) => string | undefined,
): Record<string, GroupScores> {
  const groups = new Map<string, Evaluation['outcomes']>();
  for (const outcome of evaluation.outcomes) {
    const group = groupOf(outcome.userId);
    if (group === undefined) continue;
    groups.set(group, [...(groups.get(group) ?? []), outcome]);
  }
  return Object.fromEntries(
    [...groups]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([group, outcomes]) => {
        const { rmse, ndcg10 } = roundScores(
          scoreMethod(outcomes, 'cluster', evaluation.catalogue),
        );
        return [group, { users: outcomes.length, rmse, ndcg10 }];
      }),
  );
}

function roundScores(scores: MethodScores): MethodScores {
  const rounded: MethodScores = { ...scores };
  for (const name of Object.keys(scores) as (keyof MethodScores)[]) {
    const value = scores[name];
    rounded[name] = value === undefined ? undefined : round(value, 4);
  }
  return rounded;
}

const round = (value: number, digits: number): number => {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
};
