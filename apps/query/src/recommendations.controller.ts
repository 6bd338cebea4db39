import { Controller, Get, HttpCode, Put, UseFilters } from '@nestjs/common';
import { type FastifyRequest } from 'fastify';
import { type z } from 'zod';
import { HttpErrorFilter, RequestInput, RequireAccess } from '@app/http';
import { Recommender } from '@app/query';
import {
  clusterRequestSchema,
  type ClusterSummary,
  type ClustersResponse,
  predictionRequestSchema,
  type PredictionResponse,
  type ProfileResponse,
  recommendationsRequestSchema,
  type RecommendationsResponse,
  saveProfileRequestSchema,
} from '@app/query-client';

/** The query API over HTTP; its OpenAPI document is served at /v1/openapi.json. */
@Controller('v1')
@UseFilters(HttpErrorFilter)
@RequireAccess('read')
export class RecommendationsController {
  constructor(private readonly recommender: Recommender) {}

  @Get('users/:userId/recommendations')
  recommendations(
    @RequestInput({ schema: recommendationsRequestSchema })
    request: z.output<typeof recommendationsRequestSchema>,
  ): Promise<RecommendationsResponse> {
    return this.recommender.recommendations(request);
  }

  @Get('users/:userId/predictions/:movieId')
  prediction(
    @RequestInput({ schema: predictionRequestSchema })
    request: z.output<typeof predictionRequestSchema>,
  ): Promise<PredictionResponse> {
    return this.recommender.prediction(request);
  }

  @Put('users/:userId/profile')
  @RequireAccess('admin')
  @HttpCode(200)
  saveProfile(
    @RequestInput({
      schema: saveProfileRequestSchema,
      pick: (request: FastifyRequest) => ({
        userId: (request.params as { userId?: unknown }).userId,
        profile: request.body,
      }),
    })
    request: z.output<typeof saveProfileRequestSchema>,
  ): Promise<ProfileResponse> {
    return this.recommender.saveProfile(request);
  }

  @Get('clusters')
  clusters(): ClustersResponse {
    return this.recommender.clusters();
  }

  @Get('clusters/:id')
  cluster(
    @RequestInput({ schema: clusterRequestSchema }) request: z.output<typeof clusterRequestSchema>,
  ): ClusterSummary {
    return this.recommender.cluster(request);
  }
}
