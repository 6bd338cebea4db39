import { type MovieLensUser } from '@app/movielens';
import { type ColdStartResult } from './cold-start';
import { type Evaluation } from './evaluator';
import { type MethodScores, scoreMethod } from './method-scores';
import { type Method, METHODS } from './methods';
import { type ChosenSettings, type Tuned, tunedSettings } from './tuning';

/** Scores, rounded for reading, of one group of test users (a gender, an age group). */
export type GroupScores = Pick<MethodScores, 'rmse' | 'ndcg10'> & { users: number };

/** An evaluation as the command-line tools print it: plain JSON, scores to four decimals. */
export interface EvaluationSummary {
  methods: Record<Method, MethodScores>;
  /** What was chosen on validation ratings carved out of the training ratings, from what. */
  tuned: Tuned;
  /** What every method was trained with for the test ratings. */
  settings: ChosenSettings;
  k: number;
  clusters: number;
  sizesBefore: number[];
  sizesAfter: number[];
  inertia: number;
  users: number;
  testUsers: number;
  coldUsers: number;
  trainRatings: number;
  validationRatings: number;
  testRatings: number;
  catalogue: number;
  seconds: number;
  secondsTuning: number;
  coldStart?: ColdStartResult;
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
    tuned: roundTuned(evaluation.tuned),
    settings: evaluation.settings,
    k: evaluation.k,
    clusters: model.clusters,
    sizesBefore: model.sizesBefore,
    sizesAfter: model.sizesAfter,
    inertia: round(model.inertia, 1),
    users: model.users,
    testUsers: evaluation.testUsers,
    coldUsers: evaluation.coldUsers,
    trainRatings: evaluation.trainRatings,
    validationRatings: evaluation.validationRatings,
    testRatings: evaluation.testRatings,
    catalogue: evaluation.catalogue,
    seconds: round(
      evaluation.seconds.tuning + evaluation.seconds.model + evaluation.seconds.scoring,
      2,
    ),
    secondsTuning: round(evaluation.seconds.tuning, 2),
    ...(evaluation.coldStart === undefined
      ? {}
      : {
          coldStart: {
            ...evaluation.coldStart,
            runs: evaluation.coldStart.runs.map((run) => ({
              ...run,
              methods: Object.fromEntries(
                Object.entries(run.methods).map(([method, scores]) => [
                  method,
                  roundScores(scores),
                ]),
              ) as typeof run.methods,
            })),
            seconds: round(evaluation.coldStart.seconds, 2),
          },
        }),
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

function roundTuned(tuned: Tuned): Tuned {
  return Object.fromEntries(
    tunedSettings(tuned).map(([name, setting]) => [
      name,
      { ...setting, scores: setting.scores.map((score) => round(score, 4)) },
    ]),
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
