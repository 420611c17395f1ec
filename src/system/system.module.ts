import { Global, Module } from '@nestjs/common';
import { makeHistogramProvider, PrometheusModule } from '@willsoto/nestjs-prometheus';
import { HTTP_DURATION_METRIC_OPTIONS } from './http-metrics';
import { ConfigController } from './config.controller';
import { ConfigViewService } from './config-view.service';
import { DomainMetrics } from './domain-metrics';
import { ShutdownLog } from './lifecycle-log';
import { MetricsController } from './metrics.controller';
import { StatusController } from './status.controller';
import { StatusService } from './status.service';
import { UsersModule } from '../users/users.module';

/** Global: services record domain metrics through DomainMetrics. */
@Global()
@Module({
  imports: [
    UsersModule,
    PrometheusModule.register({
      path: '/metrics',
      controller: MetricsController,
      defaultMetrics: { enabled: true },
    }),
  ],
  controllers: [StatusController, ConfigController],
  providers: [
    StatusService,
    ConfigViewService,
    DomainMetrics,
    ShutdownLog,
    makeHistogramProvider(HTTP_DURATION_METRIC_OPTIONS),
  ],
  exports: [PrometheusModule, DomainMetrics],
})
export class SystemModule {}
