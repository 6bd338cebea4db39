import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { type ReclusterOutcome } from '@app/recluster';
import { RatingsRepository } from '@app/store';
import { ReclusterScheduler } from './recluster.scheduler';

@Controller('v1')
export class ReclusterController {
  constructor(
    private readonly scheduler: ReclusterScheduler,
    private readonly repository: RatingsRepository,
  ) {}

  /** Reclusters now and answers with the outcome (published, or skipped and why). */
  @Post('recluster')
  @HttpCode(200)
  recluster(): Promise<ReclusterOutcome> {
    return this.scheduler.runNow();
  }

  /** Republishes the previous model as a new version. */
  @Post('models/rollback')
  @HttpCode(200)
  rollback(): Promise<ReclusterOutcome> {
    return this.scheduler.rollback();
  }

  @Get('models')
  async models(): Promise<{
    current: number | null;
    versions: { version: number; info: Record<string, string> }[];
  }> {
    const [current, versions] = await Promise.all([
      this.repository.currentModelVersion(),
      this.repository.modelHistory(),
    ]);
    return { current: current ?? null, versions };
  }
}
