import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { Counter, Registry } from 'prom-client';
import {
  accessProviders,
  ERROR_MAPPING,
  UNEXPECTED_ERRORS,
  type UnexpectedErrorListener,
  UnmatchedRouteController,
} from '@app/http';
import {
  HealthController,
  MetricsController,
  ObservabilityModule,
  READINESS_CHECKS,
  redisErrorLogger,
} from '@app/observability';
import { DashboardReader, MovieCatalogue, QuerySnapshotCache, Recommender } from '@app/query';
import {
  ClusterAggregatesStore,
  IngestCounters,
  ModelStore,
  MovieCatalogueStore,
  ProfileStore,
  RedisConnection,
  ReclusterSchedule,
  storeProviders,
  UserDeletion,
  UserEventStore,
} from '@app/store';
import { CatalogueRefresher } from './catalogue.refresher';
import { DashboardController } from './dashboard.controller';
import { OpenApiController } from './openapi.controller';
import { queryErrorAnswer } from './query-error.mapping';
import { type QueryConfig } from './query.config';
import { QUERY_CONFIG } from './query.constants';
import { queryReadinessChecks } from './query.readiness';
import { RecommendationsController } from './recommendations.controller';
import { RecommendationsRpcController } from './recommendations.rpc-controller';
import { SnapshotRefresher } from './snapshot.refresher';
import { UsersController } from './users.controller';
import { VariantMetricsInterceptor } from './variant-metrics.interceptor';
import { VariantMetrics } from './variant.metrics';

/**
 * The snapshot refresh reads every cluster's aggregates, megabytes at a time; on a connection of
 * its own, so requests' small reads never queue behind those replies.
 */
const SNAPSHOT_CONNECTION = Symbol('SNAPSHOT_CONNECTION');

@Module({})
export class QueryModule {
  static forRoot(config: QueryConfig): DynamicModule {
    const onError = redisErrorLogger(new Logger(QueryModule.name));
    return {
      module: QueryModule,
      imports: [ObservabilityModule.forRoot()],
      controllers: [
        RecommendationsController,
        RecommendationsRpcController,
        UsersController,
        OpenApiController,
        DashboardController,
        HealthController,
        MetricsController,
        UnmatchedRouteController,
      ],
      providers: [
        { provide: QUERY_CONFIG, useValue: config },
        ...accessProviders(config.access),
        // Requests fail fast without Redis, and answer 503.
        ...storeProviders(
          config.redis,
          [
            UserEventStore,
            ProfileStore,
            ModelStore,
            IngestCounters,
            ReclusterSchedule,
            UserDeletion,
          ],
          { failFastMs: config.redisTimeoutMs, onError },
        ),
        {
          provide: SNAPSHOT_CONNECTION,
          useFactory: () => new RedisConnection(config.redis, { onError }),
        },
        { provide: MovieCatalogue, useFactory: () => new MovieCatalogue() },
        {
          // The whole catalogue, megabytes for a large one, is read on the snapshot's connection.
          provide: MovieCatalogueStore,
          useFactory: (connection: RedisConnection) => new MovieCatalogueStore(connection),
          inject: [SNAPSHOT_CONNECTION],
        },
        {
          provide: QuerySnapshotCache,
          useFactory: (connection: RedisConnection) =>
            new QuerySnapshotCache(
              {
                models: new ModelStore(connection),
                aggregates: new ClusterAggregatesStore(connection),
                counters: new IngestCounters(connection),
              },
              config.shrinkage,
              config.variants,
            ),
          inject: [SNAPSHOT_CONNECTION],
        },
        {
          provide: Recommender,
          useFactory: (
            users: UserEventStore,
            profiles: ProfileStore,
            snapshots: QuerySnapshotCache,
            catalogue: MovieCatalogue,
          ) => new Recommender({ users, profiles }, snapshots, catalogue),
          inject: [UserEventStore, ProfileStore, QuerySnapshotCache, MovieCatalogue],
        },
        {
          provide: DashboardReader,
          useFactory: (
            counters: IngestCounters,
            models: ModelStore,
            schedule: ReclusterSchedule,
            snapshots: QuerySnapshotCache,
            catalogue: MovieCatalogue,
          ) => new DashboardReader({ counters, models, schedule }, snapshots, catalogue),
          inject: [
            IngestCounters,
            ModelStore,
            ReclusterSchedule,
            QuerySnapshotCache,
            MovieCatalogue,
          ],
        },
        { provide: ERROR_MAPPING, useValue: queryErrorAnswer },
        {
          provide: UNEXPECTED_ERRORS,
          useFactory: (registry: Registry): UnexpectedErrorListener => {
            const counter = new Counter({
              name: 'recommender_unexpected_errors_total',
              help: 'Requests answered 500 because of an unexpected error, by transport',
              labelNames: ['transport'],
              registers: [registry],
            });
            for (const transport of ['http', 'rpc']) counter.inc({ transport }, 0);
            return (transport) => {
              counter.inc({ transport });
            };
          },
          inject: [Registry],
        },
        SnapshotRefresher,
        VariantMetrics,
        // HTTP answers; the RPC server does not inherit the app's global interceptors.
        { provide: APP_INTERCEPTOR, useClass: VariantMetricsInterceptor },
        CatalogueRefresher,
        {
          provide: READINESS_CHECKS,
          useFactory: queryReadinessChecks,
          inject: [RedisConnection, QuerySnapshotCache, ModelStore],
        },
      ],
    };
  }
}
