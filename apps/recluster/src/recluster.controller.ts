import { Controller, Delete, Get, HttpCode, Post, UseFilters } from '@nestjs/common';
import { type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { HttpErrorFilter, RequestInput, RequireAccess } from '@app/http';
import { candidateOverridesSchema, type ReclusterOutcome } from '@app/recluster';
import { type ModelDescription, type ModelPin, ModelStore, ReclusterSchedule } from '@app/store';
import { ReclusterScheduler } from './recluster.scheduler';

const rollbackRequestSchema = z.object({
  forMs: z
    .number()
    .int()
    .positive()
    .max(365 * 24 * 3_600_000)
    .optional()
    .describe('how long the model stays pinned; absent: until POST /v1/models/resume'),
});

export interface ModelsResponse {
  current: number | null;
  pin: ModelPin | null;
  versions: { version: number; description: ModelDescription | null }[];
  /** The candidate built beside the current model, if any: not in `versions` until promoted. */
  candidate: { version: number; description: ModelDescription | null } | null;
}

/**
 * The model API of the recluster service: recluster now, roll back, resume, list. Every route
 * needs the admin token unless it says otherwise.
 */
@Controller('v1')
@UseFilters(HttpErrorFilter)
@RequireAccess('admin')
export class ReclusterController {
  constructor(
    private readonly scheduler: ReclusterScheduler,
    private readonly models: ModelStore,
    private readonly schedule: ReclusterSchedule,
  ) {}

  /** Reclusters now and answers with the outcome (published, or skipped and why). */
  @Post('recluster')
  @HttpCode(200)
  recluster(): Promise<ReclusterOutcome> {
    return this.scheduler.runNow();
  }

  /** Republishes the model before the current one, pinned so scheduled runs keep it. */
  @Post('models/rollback')
  @HttpCode(200)
  rollback(
    @RequestInput({
      schema: rollbackRequestSchema,
      pick: (request: FastifyRequest) => request.body ?? {},
    })
    request: z.output<typeof rollbackRequestSchema>,
  ): Promise<ReclusterOutcome> {
    return this.scheduler.rollback(request.forMs === undefined ? {} : { forMs: request.forMs });
  }

  /** Lets scheduled runs replace a pinned model again. */
  @Post('models/resume')
  @HttpCode(200)
  async resume(): Promise<{ resumed: boolean; pinnedVersion: number | null }> {
    const pin = await this.schedule.resume();
    return { resumed: pin !== undefined, pinnedVersion: pin?.version ?? null };
  }

  @Get('models')
  @RequireAccess('read')
  async list(): Promise<ModelsResponse> {
    const [current, pin, versions, candidate] = await Promise.all([
      this.models.currentVersion(),
      this.schedule.pin(),
      this.models.history(),
      this.models.candidateVersion(),
    ]);
    return {
      current: current ?? null,
      pin: pin ?? null,
      versions: versions.map(({ version, description }) => ({
        version,
        description: description ?? null,
      })),
      candidate:
        candidate === undefined
          ? null
          : { version: candidate, description: (await this.models.describe(candidate)) ?? null },
    };
  }

  /**
   * Builds a candidate beside the current model, with the worker's settings but for those in
   * the body (`k`, `values`, `minClusterSize`, ...), and answers with the outcome.
   */
  @Post('models/candidate')
  @HttpCode(200)
  candidate(
    @RequestInput({
      schema: candidateOverridesSchema,
      pick: (request: FastifyRequest) => request.body ?? {},
    })
    overrides: z.output<typeof candidateOverridesSchema>,
  ): Promise<ReclusterOutcome> {
    return this.scheduler.candidate(overrides);
  }

  /** Makes the candidate the current model, republished as a new version. */
  @Post('models/candidate/promote')
  @HttpCode(200)
  promote(): Promise<ReclusterOutcome> {
    return this.scheduler.promote();
  }

  /** Drops the candidate: the current model is republished without it. */
  @Delete('models/candidate')
  discard(): Promise<ReclusterOutcome> {
    return this.scheduler.discard();
  }
}
