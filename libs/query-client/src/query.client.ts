import {
  type DynamicModule,
  Inject,
  Injectable,
  Module,
  type OnModuleDestroy,
} from '@nestjs/common';
import { type ClientProxy, ClientsModule, Transport } from '@nestjs/microservices';
import { firstValueFrom, timeout } from 'rxjs';
import { QueryClientError } from './query-client.error';
import {
  type ClusterRequest,
  type PredictionRequest,
  type RecommendationsRequest,
  type SaveProfileRequest,
} from './query-request.schemas';
import {
  type ClusterSummary,
  type ClustersResponse,
  type PredictionResponse,
  type ProfileResponse,
  type RecommendationsResponse,
} from './query-response.schemas';
import { QUERY_PATTERNS, type QueryPattern } from './query.patterns';

export const QUERY_SERVICE = Symbol('QUERY_SERVICE');
const QUERY_CLIENT_SETTINGS = Symbol('QUERY_CLIENT_SETTINGS');

type QueryClientSettings = Required<Pick<QueryClientOptions, 'timeoutMs'>> &
  Pick<QueryClientOptions, 'token'>;

export interface QueryClientOptions {
  host: string;
  port: number;
  /** A call that gets no answer in this time fails with status 504. */
  timeoutMs?: number;
  /**
   * Sent with every call as the payload's `authorization` (`Bearer <token>`): the read token
   * when the query service has one, the admin token for profile writes.
   */
  token?: string;
}

/**
 * The query service, typed, for another NestJS service: each method is one RPC over the query
 * service's TCP transport. Failures arrive as QueryClientError with the status HTTP would give.
 */
@Injectable()
export class QueryClient implements OnModuleDestroy {
  constructor(
    @Inject(QUERY_SERVICE) private readonly proxy: ClientProxy,
    @Inject(QUERY_CLIENT_SETTINGS) private readonly settings: QueryClientSettings,
  ) {}

  recommendations(request: RecommendationsRequest): Promise<RecommendationsResponse> {
    return this.send(QUERY_PATTERNS.recommendations, request);
  }

  prediction(request: PredictionRequest): Promise<PredictionResponse> {
    return this.send(QUERY_PATTERNS.prediction, request);
  }

  clusters(): Promise<ClustersResponse> {
    return this.send(QUERY_PATTERNS.clusters, {});
  }

  cluster(request: ClusterRequest): Promise<ClusterSummary> {
    return this.send(QUERY_PATTERNS.cluster, request);
  }

  saveProfile(request: SaveProfileRequest): Promise<ProfileResponse> {
    return this.send(QUERY_PATTERNS.saveProfile, request);
  }

  async onModuleDestroy(): Promise<void> {
    await this.proxy.close();
  }

  private async send<T>(pattern: QueryPattern, data: unknown): Promise<T> {
    // The transport refuses to carry no payload at all; that is the caller's mistake, so it
    // fails as the service fails a payload that is not an object, not as an outage.
    if (data === null || data === undefined) {
      throw new QueryClientError(400, 'invalid request', [
        { field: '(request)', message: 'expected an object' },
      ]);
    }
    const { timeoutMs, token } = this.settings;
    const payload =
      token === undefined || typeof data !== 'object'
        ? data
        : { ...data, authorization: `Bearer ${token}` };
    try {
      return await firstValueFrom(this.proxy.send<T>(pattern, payload).pipe(timeout(timeoutMs)));
    } catch (error) {
      if (error instanceof Error && error.name === 'TimeoutError') {
        throw new QueryClientError(504, `no answer to ${pattern} in ${timeoutMs} ms`, [], {
          cause: error,
        });
      }
      throw QueryClientError.from(error);
    }
  }
}

/** Import `QueryClientModule.register({ host, port, token? })` and inject `QueryClient`. */
@Module({})
export class QueryClientModule {
  static register({ host, port, timeoutMs = 5_000, token }: QueryClientOptions): DynamicModule {
    return {
      module: QueryClientModule,
      imports: [
        ClientsModule.register([
          { name: QUERY_SERVICE, transport: Transport.TCP, options: { host, port } },
        ]),
      ],
      providers: [{ provide: QUERY_CLIENT_SETTINGS, useValue: { timeoutMs, token } }, QueryClient],
      exports: [QueryClient],
    };
  }
}
