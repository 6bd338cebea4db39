import { type AlsSettings } from './als-settings';

/**
 * A trained ALS model: r̂(u, i) = μ + b_u + b_i + p_u·q_i. Factor arrays are row-major:
 * user row u's factors are userFactors[u * factors .. (u + 1) * factors).
 */
export interface AlsModel {
  settings: AlsSettings;
  /** μ, the mean of the training ratings. */
  globalMean: number;
  factors: number;
  /** Row u is user userIds[u]; ascending, as in the rating matrix trained on. */
  userIds: Float64Array;
  /** Column i is movie movieIds[i]; ascending. */
  movieIds: Float64Array;
  userFactors: Float32Array;
  userBiases: Float32Array;
  movieFactors: Float32Array;
  movieBiases: Float32Array;
}

/** The row of a user in the model, or -1 for a user it was not trained on. */
export const userRowOf = (model: AlsModel, userId: number): number =>
  positionOf(model.userIds, userId);

/** The column of a movie in the model, or -1 for a movie it was not trained on. */
export const movieColumnOf = (model: AlsModel, movieId: number): number =>
  positionOf(model.movieIds, movieId);

/**
 * The predicted rating of a user row for a movie column. A row or column outside the model (-1
 * from the lookups) contributes no bias and no factors, so an unknown movie gets μ + b_u, an
 * unknown user μ + b_i: the best the model knows without the interaction.
 */
export function predictAls(model: AlsModel, userRow: number, movieColumn: number): number {
  const knownUser = userRow >= 0 && userRow < model.userIds.length;
  const knownMovie = movieColumn >= 0 && movieColumn < model.movieIds.length;
  let prediction = model.globalMean;
  if (knownUser) prediction += model.userBiases[userRow] ?? 0;
  if (knownMovie) prediction += model.movieBiases[movieColumn] ?? 0;
  if (knownUser && knownMovie) {
    prediction += dot(
      model.userFactors,
      userRow * model.factors,
      model.movieFactors,
      movieColumn * model.factors,
      model.factors,
    );
  }
  return prediction;
}

/** x[xFrom ..] · y[yFrom ..] over `length` entries. */
export function dot(
  x: Float32Array,
  xFrom: number,
  y: Float32Array,
  yFrom: number,
  length: number,
): number {
  let sum = 0;
  for (let a = 0; a < length; a++) sum += (x[xFrom + a] ?? 0) * (y[yFrom + a] ?? 0);
  return sum;
}

/** Binary search of ascending ids, which needs no index built per model. */
function positionOf(ids: Float64Array, id: number): number {
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((ids[mid] ?? 0) < id) low = mid + 1;
    else high = mid;
  }
  return low < ids.length && ids[low] === id ? low : -1;
}
