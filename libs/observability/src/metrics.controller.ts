import { Controller, Get, Res } from '@nestjs/common';
import { type Response } from 'express';
import { Registry } from 'prom-client';

/** Prometheus text of the app's registry: Node's process metrics and the service's own. */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly registry: Registry) {}

  @Get()
  metrics(@Res({ passthrough: true }) response: Response): Promise<string> {
    response.type(this.registry.contentType);
    return this.registry.metrics();
  }
}
