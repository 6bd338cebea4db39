import {
  type IngestCounters,
  type ModelPin,
  type ModelStore,
  type ReclusterSchedule,
} from '@app/store';
import { type MovieCatalogue } from './movie-catalogue';
import { type QuerySnapshotCache } from './query-snapshot.cache';
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
  /** Events applied (re-deliveries included) and dead-lettered, over all ingest processes. */
  ingest: { events: number; deadLettered: number };
  /** The model a rollback pinned, if scheduled runs are paused. */
  pin: ModelPin | null;
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

/** What the dashboard reads from the stores. */
export interface DashboardStores {
  counters: IngestCounters;
  models: ModelStore;
  schedule: ReclusterSchedule;
}

/** What the live dashboard shows: the model in use, its clusters, ingestion and history. */
export class DashboardReader {
  constructor(
    private readonly stores: DashboardStores,
    private readonly snapshots: QuerySnapshotCache,
    private readonly catalogue: MovieCatalogue,
  ) {}

  async read(): Promise<DashboardData> {
    const model = this.snapshots.current?.model;
    const [ingest, history, pin] = await Promise.all([
      this.stores.counters.totals(),
      this.stores.models.history(),
      this.stores.schedule.pin(),
    ]).catch((error: unknown) => {
      throw new StoreUnavailableError(error);
    });
    return {
      at: new Date().toISOString(),
      model:
        model === undefined
          ? null
          : {
              version: model.version,
              builtAt: model.builtAt,
              clusters: model.clusterCount,
              users: model.sizes.reduce((a, b) => a + b, 0),
            },
      clusters:
        model === undefined
          ? []
          : model.sizes.map((size, id) => ({
              id,
              size,
              topMovies: model.ranking
                .ranked(id, 'favourites')
                .slice(0, TOP_MOVIES)
                .map(({ movieId, favourites }) => ({
                  movieId,
                  title: this.catalogue.describe(movieId).title,
                  favourites,
                })),
            })),
      ingest,
      pin: pin ?? null,
      history: history.map(({ version, description }) => ({
        version,
        current: version === model?.version,
        builtAt: description?.builtAt ?? null,
        clusters: description?.clusters ?? null,
        users: description?.users ?? null,
        inertia: description?.inertia ?? null,
        buildSeconds: description?.buildSeconds ?? null,
        rollbackOf: description?.rollbackOf ?? null,
      })),
    };
  }
}
