import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { Public } from '../common/public.decorator';
import { CryptoService } from '../crypto/crypto.service';
import { PublicPkiService } from './public-pki.service';

const PEM = 'application/x-pem-file';

/** CRLs and CA certificates at the root, without a token: what TLS stacks and CDP/AIA URLs fetch. */
@ApiTags('public PKI')
@Public()
@Controller()
export class PublicPkiController {
  constructor(
    private readonly publicPki: PublicPkiService,
    private readonly crypto: CryptoService,
  ) {}

  @Get('crl/:file')
  @ApiProduces('application/pkix-crl', PEM)
  @ApiOperation({ summary: "A CA's CRL: /crl/{slug} (DER) or /crl/{slug}.pem; conditional GET answers 304" })
  async crl(@Param('file') file: string, @Res() response: Response): Promise<void> {
    const { caId, crl, format } = await this.publicPki.crl(file, { '': 'der', '.crl': 'der', '.pem': 'pem' });
    response.set({
      'Content-Type': format === 'der' ? 'application/pkix-crl' : PEM,
      ETag: `"crl-${caId}-${crl.crlNumber.toString()}-${format}"`,
      'Last-Modified': crl.thisUpdate.toUTCString(),
      'Cache-Control': `public, max-age=${this.publicPki.crlCacheSeconds(crl)}`,
    });
    response.send(format === 'der' ? crl.der : this.publicPki.crlPem(crl));
  }

  @Get('ca/:file')
  @ApiProduces('application/pkix-cert', PEM)
  @ApiOperation({ summary: 'A CA certificate: /ca/{slug}.crt (DER) or /ca/{slug}.pem' })
  async certificate(@Param('file') file: string, @Res() response: Response): Promise<void> {
    const { ca, format } = await this.publicPki.resolve(file, {
      '.crt': 'der',
      '.cer': 'der',
      '.pem': 'pem',
    });
    const pem = ca.certificatePem ?? '';
    response.set({
      'Content-Type': format === 'der' ? 'application/pkix-cert' : PEM,
      ETag: `"ca-${ca.id}-${ca.fingerprintSha256 ?? ''}-${format}"`,
      'Cache-Control': 'public, max-age=3600',
    });
    response.send(format === 'der' ? this.crypto.pemToDer(pem, 'CERTIFICATE') : pem);
  }
}
