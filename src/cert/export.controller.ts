import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiFileResponse, ApiIdParam } from '../common/api-responses.decorator';
import { Response } from 'express';
import { caSlug } from '../ca/ca-slug';
import { CaService } from '../ca/ca.service';
import { ParseIdPipe } from '../common/parse-id.pipe';
import { SecretResponse } from '../common/secret-response.decorator';
import { Auth, AuthContext } from '../common/request-context';
import { CertService } from './cert.service';
import { Pkcs12ExportDto } from './dto/revoke.dto';

const PEM = 'application/x-pem-file';

/**
 * RFC 6266: an ASCII `filename` every client reads, plus `filename*` (RFC 8187, UTF-8) when a CA name
 * with non-ASCII letters makes the real name non-ASCII; a raw non-ASCII header value would be mangled.
 */
function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  if (ascii === filename) return `attachment; filename="${filename}"`;
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

function attachment(response: Response, filename: string, contentType: string, body: string | Buffer): void {
  response
    .status(200)
    .set({ 'Content-Type': contentType, 'Content-Disposition': contentDisposition(filename) })
    .send(body);
}

@ApiTags('export')
@Controller('export')
export class ExportController {
  constructor(
    private readonly cas: CaService,
    private readonly certificates: CertService,
  ) {}

  @Get('ca/:ca_id/certificate')
  @ApiOperation({ summary: 'Download a CA certificate (PEM)' })
  @ApiIdParam('ca_id', 1, 'CA 1: the root CA of the POST /cas example')
  @ApiFileResponse('The CA certificate (PEM, as an attachment)', { [PEM]: 'text' })
  @ApiErrors(400, 401, 403, [404, 'No such CA, or it is pending (no certificate yet)'])
  async caCertificate(
    @Auth() auth: AuthContext,
    @Param('ca_id', ParseIdPipe) id: number,
    @Res() response: Response,
  ) {
    const ca = await this.cas.findAllowed(auth.user, id, 'read');
    attachment(response, `${caSlug(ca.name, ca.id)}.pem`, PEM, ca.certificatePem ?? '');
  }

  @Get('ca/:ca_id/private-key')
  @SecretResponse()
  @ApiOperation({ summary: 'Download a CA private key (PEM; audited)' })
  @ApiIdParam('ca_id', 1, 'CA 1: the root CA of the POST /cas example')
  @ApiFileResponse('The PKCS#8 private key (PEM, as an attachment)', { [PEM]: 'text' })
  @ApiErrors(400, 401, 403, 404)
  async caPrivateKey(
    @Auth() auth: AuthContext,
    @Param('ca_id', ParseIdPipe) id: number,
    @Res() response: Response,
  ) {
    const { ca, privateKeyPem } = await this.cas.exportPrivateKey(auth, id);
    attachment(response, `${caSlug(ca.name, ca.id)}.key.pem`, PEM, privateKeyPem);
  }

  @Get('certificate/:cert_id')
  @ApiOperation({ summary: 'Download a certificate (PEM)' })
  @ApiIdParam('cert_id', 1, 'Certificate 1: the one POST /certificates issued')
  @ApiFileResponse('The certificate (PEM, as an attachment)', { [PEM]: 'text' })
  @ApiErrors(400, 401, 403, 404)
  async certificate(
    @Auth() auth: AuthContext,
    @Param('cert_id', ParseIdPipe) id: number,
    @Res() response: Response,
  ) {
    const certificate = await this.certificates.findAllowed(auth.user, id, 'read');
    attachment(response, `certificate-${id}.pem`, PEM, certificate.certificatePem);
  }

  @Get('certificate/:cert_id/private-key')
  @SecretResponse()
  @ApiOperation({ summary: 'Download a certificate private key (PEM; audited; 404 when none is stored)' })
  @ApiIdParam('cert_id', 1, 'Certificate 1: the one POST /certificates issued')
  @ApiFileResponse('The PKCS#8 private key (PEM, as an attachment)', { [PEM]: 'text' })
  @ApiErrors(400, 401, 403, [404, 'No such certificate, or no key is stored for it'])
  async certificateKey(
    @Auth() auth: AuthContext,
    @Param('cert_id', ParseIdPipe) id: number,
    @Res() response: Response,
  ) {
    const { privateKeyPem } = await this.certificates.exportPrivateKey(auth, id, 'pem');
    attachment(response, `certificate-${id}.key.pem`, PEM, privateKeyPem);
  }

  @Get('certificate/:cert_id/chain')
  @ApiOperation({ summary: 'Download a certificate and its issuers up to the root (PEM)' })
  @ApiIdParam('cert_id', 1, 'Certificate 1: the one POST /certificates issued')
  @ApiFileResponse('The certificate, then its issuers up to the root (PEM, as an attachment)', {
    [PEM]: 'text',
  })
  @ApiErrors(400, 401, 403, 404)
  async chain(
    @Auth() auth: AuthContext,
    @Param('cert_id', ParseIdPipe) id: number,
    @Res() response: Response,
  ) {
    const { pems } = await this.certificates.chainPems(auth.user, id);
    attachment(response, `certificate-${id}-chain.pem`, PEM, pems.join(''));
  }

  @Post('certificate/:cert_id/pkcs12')
  @HttpCode(200)
  @SecretResponse()
  @ApiOperation({
    summary:
      'Download certificate, key and chain as PKCS#12, protected by the password in the body (audited)',
  })
  @ApiIdParam('cert_id', 1, 'Certificate 1: the one POST /certificates issued')
  @ApiBody({
    type: Pkcs12ExportDto,
    examples: { password: { summary: 'A password for the file', value: { password: 'export-password' } } },
  })
  @ApiFileResponse('The PKCS#12 file (PBES2: PBKDF2 + AES-256-CBC), as an attachment', {
    'application/x-pkcs12': 'binary',
  })
  @ApiErrors([400, 'Invalid input, or a password shorter than 4 characters'], 401, 403, [
    404,
    'No such certificate, or no key is stored for it',
  ])
  async pkcs12(
    @Auth() auth: AuthContext,
    @Param('cert_id', ParseIdPipe) id: number,
    @Body() dto: Pkcs12ExportDto,
    @Res() response: Response,
  ) {
    const { bundle } = await this.certificates.pkcs12(auth, id, dto.password);
    attachment(response, `certificate-${id}.p12`, 'application/x-pkcs12', bundle);
  }
}
