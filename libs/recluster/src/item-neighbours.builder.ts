import { type CsrPattern } from '@app/clustering';
import { ItemKnn, type ItemKnnSettings, type ItemNeighbourTable } from '@app/recommend';
import { type ModelDescription, type RatingsSnapshot } from '@app/store';

export interface BuiltNeighbours {
  /** Stored with the version. */
  table: ItemNeighbourTable;
  /** What the model's description records of it. */
  description: NonNullable<ModelDescription['itemKnn']>;
}

/**
 * Item neighbourhoods over the favourites a recluster derived from its read (the ones its
 * clusters count), so the query service can recommend the movies most like a user's own
 * favourites (`rank=similar`).
 */
export async function buildItemNeighbours(
  snapshot: RatingsSnapshot,
  favourites: CsrPattern,
  settings: ItemKnnSettings,
): Promise<BuiltNeighbours> {
  const started = performance.now();
  // Minutes at the Netflix shape: the event loop keeps turning, so the run's lock is renewed.
  const { table } = await ItemKnn.fromFavouritesYielding(favourites, snapshot.movieIds, settings);
  return {
    table,
    description: {
      settings,
      movies: table.movieIds.length,
      neighbours: table.neighbourCols.length,
      buildSeconds: Math.round(performance.now() - started) / 1000,
    },
  };
}
