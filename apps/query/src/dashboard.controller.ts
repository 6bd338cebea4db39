import { Controller, Get, Header, UseFilters } from '@nestjs/common';
import { HttpErrorFilter } from '@app/http';
import { type DashboardData, DashboardReader } from '@app/query';
import { DASHBOARD_PAGE } from './dashboard.page';

/** The live dashboard page and the data it polls. */
@Controller('dashboard')
@UseFilters(HttpErrorFilter)
export class DashboardController {
  constructor(private readonly dashboard: DashboardReader) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  page(): string {
    return DASHBOARD_PAGE;
  }

  @Get('data')
  data(): Promise<DashboardData> {
    return this.dashboard.read();
  }
}
