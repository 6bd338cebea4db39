import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { readMovies } from '@app/movielens';
import {
  HealthController,
  MetricsController,
  ObservabilityModule,
  READINESS_CHECKS,
} from '@app/observability';
import { DashboardReader, ModelSnapshotCache, MovieCatalogue, Recommender } from '@app/query';
import { createRedisClient, RatingsRepository } from '@app/store';
import { DashboardController } from './dashboard.controller';
import { OpenApiController } from './openapi.controller';
import { type QueryConfig } from './query.config';
import { QUERY_CONFIG } from './query.constants';
import { queryReadinessChecks } from './query.readiness';
import { RecommendationsController } from './recommendations.controller';
import { RecommendationsRpcController } from './recommendations.rpc-controller';
import { SnapshotRefresher } from './snapshot.refresher';

/**
 * The snapshot refresh reads every cluster's aggregates, megabytes at a time; on a connection of
 * its own, so requests' small reads never queue behind those replies.
 */
const SNAPSHOT_REPOSITORY = Symbol('SNAPSHOT_REPOSITORY');

@Module({})
export class QueryModule {
  static forRoot(config: QueryConfig): DynamicModule {
    return {
      module: QueryModule,
      imports: [ObservabilityModule.forRoot()],
      controllers: [
        RecommendationsController,
        RecommendationsRpcController,
        OpenApiController,
        DashboardController,
        HealthController,
        MetricsController,
      ],
      providers: [
        { provide: QUERY_CONFIG, useValue: config },
        {
          provide: RatingsRepository,
          useFactory: async () => {
            const repository = new RatingsRepository(
              config.redis,
              createRedisClient(config.redis, { failFastMs: config.redisTimeoutMs }),
            );
            // Requests fail fast without Redis, so wait for the first connection a little.
            if (!(await repository.connected(10_000))) {
              new Logger(QueryModule.name).warn('Redis is not reachable yet; answering 503');
            }
            return repository;
          },
        },
        {
          provide: SNAPSHOT_REPOSITORY,
          useFactory: () => new RatingsRepository(config.redis),
        },
        {
          provide: MovieCatalogue,
          useFactory: async () =>
            new MovieCatalogue(
              new Map((await readMovies(config.moviesFile)).map((m) => [m.movieId, m])),
            ),
        },
        {
          provide: ModelSnapshotCache,
          useFactory: (repository: RatingsRepository) =>
            new ModelSnapshotCache(repository, config.shrinkage),
          inject: [SNAPSHOT_REPOSITORY],
        },
        {
          provide: Recommender,
          useFactory: (
            repository: RatingsRepository,
            snapshots: ModelSnapshotCache,
            catalogue: MovieCatalogue,
          ) => new Recommender(repository, snapshots, catalogue),
          inject: [RatingsRepository, ModelSnapshotCache, MovieCatalogue],
        },
        {
          provide: DashboardReader,
          useFactory: (
            repository: RatingsRepository,
            snapshots: ModelSnapshotCache,
            catalogue: MovieCatalogue,
          ) => new DashboardReader(repository, snapshots, catalogue),
          inject: [RatingsRepository, ModelSnapshotCache, MovieCatalogue],
        },
        SnapshotRefresher,
        {
          provide: READINESS_CHECKS,
          useFactory: queryReadinessChecks,
          inject: [RatingsRepository, ModelSnapshotCache],
        },
      ],
    };
  }
}
