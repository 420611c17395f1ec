import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import { Response } from 'express';
import { AggregatorRegistry } from 'prom-client';
import { isClusterWorker, primaryLink } from '../cluster/primary-link';
import { Public } from '../common/public.decorator';

/**
 * Prometheus text at /metrics, outside the API prefix and without a token, as scrapers expect. In
 * cluster mode the primary merges every worker's registry, so one scrape sees the whole service.
 */
@ApiExcludeController()
@Controller()
export class MetricsController extends PrometheusController {
  constructor() {
    super();
    // prom-client answers the primary's collection requests only once an AggregatorRegistry exists.
    if (isClusterWorker()) new AggregatorRegistry();
  }

  @Public()
  @Get()
  override async index(@Res({ passthrough: true }) response: Response): Promise<string> {
    if (!isClusterWorker()) return super.index(response);
    const { contentType, text } = await primaryLink.ask('metrics', {});
    response.header('Content-Type', contentType);
    return text;
  }
}
