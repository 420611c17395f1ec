import { Module } from '@nestjs/common';
import { CaModule } from '../ca/ca.module';
import { CertModule } from '../cert/cert.module';
import { SelfIssuedTls } from './self-issued-tls.service';
import { ServiceTlsRepository } from './service-tls.repository';
import { TlsFileReloader } from './tls-file-reloader';

/** The HTTPS server's certificate: reloaded from files, or issued by the service itself. */
@Module({
  imports: [CaModule, CertModule],
  providers: [SelfIssuedTls, TlsFileReloader, ServiceTlsRepository],
})
export class TlsModule {}
