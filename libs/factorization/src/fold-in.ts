import { type AlsModel, dot, movieColumnOf } from './als-model';
import { RowScratch, solveRow } from './solve-row';

/** A user the model was not trained on, placed in its factor space from their ratings. */
export interface FoldedUser {
  factors: Float32Array;
  bias: number;
}

/** Fold-in's work space; it is synchronous, so one per thread serves every call. */
interface FoldInScratch {
  row: RowScratch;
  columns: Int32Array;
  values: Float32Array;
}

let scratch: FoldInScratch | undefined;

/**
 * A user's factors and bias from their ratings (movie id -> rating) against the model's fixed
 * movies, solved exactly (solveRow) whatever solver trained the model: the very solve training's
 * user half-step makes with the exact solver, so a user it trained gets their trained factors
 * back; training's CG steps approximate it. Movies the model does not know are ignored; with no
 * known movie the user gets zero factors and bias 0, and predictions of μ + b_i. A map, so that
 * no movie counts twice. Allocates only the result.
 */
export function foldInUser(model: AlsModel, ratings: ReadonlyMap<number, number>): FoldedUser {
  const { row, columns, values } = scratchFor(model.factors, ratings.size);
  let count = 0;
  for (const [movieId, rating] of ratings) {
    const column = movieColumnOf(model, movieId);
    if (column < 0) continue;
    columns[count] = column;
    values[count++] = rating;
  }
  const step = {
    factors: model.factors,
    globalMean: model.globalMean,
    regularization: model.settings.regularization,
    fixedFactors: model.movieFactors,
    fixedBiases: model.movieBiases,
  };
  const solution = solveRow(step, columns, values, 0, count, row);
  const factors = new Float32Array(model.factors);
  for (let a = 0; a < model.factors; a++) factors[a] = solution[a] ?? 0;
  return { factors, bias: Math.fround(solution[model.factors] ?? 0) };
}

/** A folded-in user's predicted rating of a movie; μ + b_u for a movie the model does not know. */
export function predictFolded(model: AlsModel, folded: FoldedUser, movieId: number): number {
  const column = movieColumnOf(model, movieId);
  const known = model.globalMean + folded.bias;
  if (column < 0) return known;
  return (
    known +
    (model.movieBiases[column] ?? 0) +
    dot(folded.factors, 0, model.movieFactors, column * model.factors, model.factors)
  );
}

/**
 * The scratch, grown (doubling) when a user has more ratings than any before; a model of other
 * factors replaces only the row scratch, so calls alternating between two models do not grow it.
 */
function scratchFor(factors: number, ratings: number): FoldInScratch {
  if (scratch?.row.factors === factors && scratch.columns.length >= ratings) return scratch;
  const row = scratch?.row.factors === factors ? scratch.row : new RowScratch(factors);
  if (scratch !== undefined && scratch.columns.length >= ratings) {
    scratch = { ...scratch, row };
    return scratch;
  }
  const capacity = Math.max(ratings, 2 * (scratch?.columns.length ?? 0), 256);
  scratch = { row, columns: new Int32Array(capacity), values: new Float32Array(capacity) };
  return scratch;
}
