import { Controller, UseFilters, UseInterceptors } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { RequireAccess, validateRequest } from '@app/http';
import { Recommender } from '@app/query';
import {
  clusterRequestSchema,
  type ClusterSummary,
  type ClustersResponse,
  predictionRequestSchema,
  type PredictionResponse,
  type ProfileResponse,
  QUERY_PATTERNS,
  recommendationsRequestSchema,
  type RecommendationsResponse,
  saveProfileRequestSchema,
} from '@app/query-client';
import { RpcErrorFilter } from './rpc-error.filter';
import { VariantMetricsInterceptor } from './variant-metrics.interceptor';

/** The same operations as the HTTP API, as message patterns for other services (QueryClient). */
@Controller()
@UseFilters(RpcErrorFilter)
@UseInterceptors(VariantMetricsInterceptor)
@RequireAccess('read')
export class RecommendationsRpcController {
  constructor(private readonly recommender: Recommender) {}

  @MessagePattern(QUERY_PATTERNS.recommendations)
  recommendations(@Payload() payload: unknown): Promise<RecommendationsResponse> {
    return this.recommender.recommendations(validateRequest(recommendationsRequestSchema, payload));
  }

  @MessagePattern(QUERY_PATTERNS.prediction)
  prediction(@Payload() payload: unknown): Promise<PredictionResponse> {
    return this.recommender.prediction(validateRequest(predictionRequestSchema, payload));
  }

  @MessagePattern(QUERY_PATTERNS.saveProfile)
  @RequireAccess('admin')
  saveProfile(@Payload() payload: unknown): Promise<ProfileResponse> {
    return this.recommender.saveProfile(validateRequest(saveProfileRequestSchema, payload));
  }

  @MessagePattern(QUERY_PATTERNS.clusters)
  clusters(): ClustersResponse {
    return this.recommender.clusters();
  }

  @MessagePattern(QUERY_PATTERNS.cluster)
  cluster(@Payload() payload: unknown): ClusterSummary {
    return this.recommender.cluster(validateRequest(clusterRequestSchema, payload));
  }
}
