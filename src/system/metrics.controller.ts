import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import { Response } from 'express';
import { Public } from '../common/public.decorator';

/** Prometheus text at /metrics, outside the API prefix and without a token, as scrapers expect. */
@ApiExcludeController()
@Controller()
export class MetricsController extends PrometheusController {
  @Public()
  @Get()
  override async index(@Res({ passthrough: true }) response: Response): Promise<string> {
    return super.index(response);
  }
}
