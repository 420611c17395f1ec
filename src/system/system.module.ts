import { Module } from '@nestjs/common';
import { makeHistogramProvider, PrometheusModule } from '@willsoto/nestjs-prometheus';
import { HTTP_DURATION_METRIC_OPTIONS } from './http-metrics';
import { MetricsController } from './metrics.controller';
import { StatusController } from './status.controller';
import { StatusService } from './status.service';

@Module({
  imports: [
    PrometheusModule.register({ path: '/metrics', controller: MetricsController, defaultMetrics: { enabled: true } }),
  ],
  controllers: [StatusController],
  providers: [StatusService, makeHistogramProvider(HTTP_DURATION_METRIC_OPTIONS)],
  exports: [PrometheusModule],
})
export class SystemModule {}
