import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { Gauge, Registry } from 'prom-client';
import { repeatLimitedErrorLogger } from '@app/observability';
import { MovieCatalogue } from '@app/query';
import { isRedisUnavailable, MovieCatalogueStore } from '@app/store';
import { PeriodicRefresh } from './periodic-refresh';
import { type QueryConfig } from './query.config';
import { QUERY_CONFIG } from './query.constants';

/**
 * Keeps the movie catalogue fresh: once at boot, then every QUERY_CATALOGUE_REFRESH_MS, reading
 * the whole catalogue only when ingestion changed it. New and renamed movies are named in answers
 * without a restart.
 */
@Injectable()
export class CatalogueRefresher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(CatalogueRefresher.name);
  private readonly periodic: PeriodicRefresh;
  private readonly warnFailed = repeatLimitedErrorLogger(this.logger, (error) =>
    isRedisUnavailable(error)
      ? `could not refresh the movie catalogue, Redis (REDIS_URL) is unavailable: ${error.message}`
      : `could not refresh the movie catalogue: ${error.message}`,
  );

  private readonly movies: Gauge;
  private readonly version: Gauge;

  constructor(
    @Inject(QUERY_CONFIG) config: QueryConfig,
    private readonly catalogue: MovieCatalogue,
    private readonly store: MovieCatalogueStore,
    registry: Registry,
  ) {
    this.periodic = new PeriodicRefresh(() => this.read(), config.catalogueRefreshMs);
    this.movies = new Gauge({
      name: 'recommender_catalogue_movies',
      help: 'Movies of the catalogue this replica names in its answers, as of its last read',
      registers: [registry],
    });
    this.version = new Gauge({
      name: 'recommender_catalogue_version',
      help: 'Version of the catalogue this replica last read (0: none loaded yet)',
      registers: [registry],
    });
  }

  onApplicationBootstrap(): Promise<void> {
    return this.periodic.start();
  }

  onModuleDestroy(): void {
    this.periodic.stop();
  }

  /** Never throws: a failed refresh keeps the catalogue it had and is retried next time. */
  private async read(): Promise<void> {
    try {
      const refresh = await this.catalogue.refresh(this.store);
      if (!refresh.read) return;
      this.movies.set(refresh.movies);
      this.version.set(refresh.version);
      this.logger.log(`movie catalogue version ${refresh.version}: ${refresh.movies} movies`);
      if (refresh.invalid.length > 0) {
        this.logger.warn(
          `left out ${refresh.invalid.length} catalogue entries that are not movie events ` +
            `(movie ids ${refresh.invalid.slice(0, 10).join(', ')})`,
        );
      }
    } catch (error) {
      this.warnFailed(error as Error);
    }
  }
}
