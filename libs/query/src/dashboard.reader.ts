import { type RatingsRepository } from '@app/store';
import { type ModelSnapshotCache } from './model-snapshot.cache';
import { type MovieCatalogue } from './movie-catalogue';
import { StoreUnavailableError } from './query.errors';

const TOP_MOVIES = 5;

export interface DashboardData {
  /** When this was read; clients derive the ingest rate from successive readings. */
  at: string;
  model: { version: number; builtAt: string | null; clusters: number; users: number } | null;
  clusters: {
    id: number;
    size: number;
    topMovies: { movieId: number; title: string | null; favourites: number }[];
  }[];
  ingest: { events: number; deadLettered: number };
  history: {
    version: number;
    current: boolean;
    builtAt: string | null;
    clusters: number | null;
    users: number | null;
    inertia: number | null;
    buildSeconds: number | null;
    rollbackOf: number | null;
  }[];
}

/** What the live dashboard shows: the model in use, its clusters, ingestion and history. */
export class DashboardReader {
  constructor(
    private readonly repository: RatingsRepository,
    private readonly snapshots: ModelSnapshotCache,
    private readonly catalogue: MovieCatalogue,
  ) {}

  async read(): Promise<DashboardData> {
    const snapshot = this.snapshots.current;
    const [ingest, history] = await Promise.all([
      this.repository.ingestTotals(),
      this.repository.modelHistory(),
    ]).catch((error: unknown) => {
      throw new StoreUnavailableError(error);
    });
    const number = (value: string | undefined) => (value === undefined ? null : Number(value));
    return {
      at: new Date().toISOString(),
      model:
        snapshot === undefined
          ? null
          : {
              version: snapshot.version,
              builtAt: snapshot.builtAt,
              clusters: snapshot.clusterCount,
              users: snapshot.sizes.reduce((a, b) => a + b, 0),
            },
      clusters:
        snapshot === undefined
          ? []
          : snapshot.sizes.map((size, id) => ({
              id,
              size,
              topMovies: snapshot.ranking
                .ranked(id, 'favourites')
                .slice(0, TOP_MOVIES)
                .map(({ movieId, favourites }) => ({
                  movieId,
                  title: this.catalogue.describe(movieId).title,
                  favourites,
                })),
            })),
      ingest,
      history: history.map(({ version, info }) => ({
        version,
        current: version === snapshot?.version,
        builtAt: info.builtAt ?? null,
        clusters: number(info.clusters),
        users: number(info.users),
        inertia: number(info.inertia),
        buildSeconds: number(info.buildSeconds),
        rollbackOf: number(info.rollbackOf),
      })),
    };
  }
}
