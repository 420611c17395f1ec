import { Global, Module } from '@nestjs/common';
import { makeHistogramProvider, PrometheusModule } from '@willsoto/nestjs-prometheus';
import { HTTP_DURATION_METRIC_OPTIONS } from './http-metrics';
import { ConfigController } from './config.controller';
import { ConfigViewService } from './config-view.service';
import { DomainGauges } from './domain-gauges';
import { DomainMetrics } from './domain-metrics';
import { ShutdownLog } from './lifecycle-log';
import { MetricsController } from './metrics.controller';
import { StatusController } from './status.controller';
import { StatusService } from './status.service';
import { CaModule } from '../ca/ca.module';
import { CertModule } from '../cert/cert.module';
import { RequestsModule } from '../requests/requests.module';
import { UsersModule } from '../users/users.module';

/** Global: services record domain metrics through DomainMetrics. */
@Global()
@Module({
  imports: [
    UsersModule,
    CaModule,
    CertModule,
    RequestsModule,
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
    DomainGauges,
    ShutdownLog,
    makeHistogramProvider(HTTP_DURATION_METRIC_OPTIONS),
  ],
  exports: [PrometheusModule, DomainMetrics],
})
export class SystemModule {}
