import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiNotModifiedResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiFileResponse } from '../common/api-responses.decorator';
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
  @ApiOperation({ summary: "A CA's CRL: /crl/{slug} (DER) or /crl/{slug}.pem; conditional GET answers 304" })
  @ApiParam({
    name: 'file',
    description: 'The slug of the crl_url of a CA, `{name-slug}-{id}`, then nothing or .crl (DER) or .pem',
    example: 'example-root-ca-1.crl',
  })
  @ApiFileResponse('The CRL', { 'application/pkix-crl': 'binary', [PEM]: 'text' })
  @ApiNotModifiedResponse({ description: 'If-None-Match or If-Modified-Since matched' })
  @ApiErrors([404, 'No such CA, or it has no CRL yet'])
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
  @ApiOperation({ summary: 'A CA certificate: /ca/{slug}.crt (DER) or /ca/{slug}.pem' })
  @ApiParam({
    name: 'file',
    description:
      'The slug of the certificate_url of a CA, `{name-slug}-{id}`, then .crt or .cer (DER) or .pem',
    example: 'example-root-ca-1.pem',
  })
  @ApiFileResponse('The CA certificate', { 'application/pkix-cert': 'binary', [PEM]: 'text' })
  @ApiErrors([404, 'No such CA, or it has no certificate yet'])
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
