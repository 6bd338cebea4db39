import { Controller, Get } from '@nestjs/common';
import { openApiDocument } from './openapi.document';

@Controller('v1')
export class OpenApiController {
  private readonly document = openApiDocument();

  @Get('openapi.json')
  openApi(): object {
    return this.document;
  }
}
