import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiFileResponse, ApiIdParam } from '../common/api-responses.decorator';
import { Response } from 'express';
import { ParseIdPipe } from '../common/parse-id.pipe';
import { SecretResponse } from '../common/secret-response.decorator';
import { Auth, AuthContext } from '../common/request-context';
import { Pkcs12ExportDto } from './dto/pkcs12-export.dto';
import { Download, ExportService, PEM, PKCS12 } from './export.service';

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

function attachment(response: Response, download: Download): void {
  response
    .status(200)
    .set({
      'Content-Type': download.contentType,
      'Content-Disposition': contentDisposition(download.filename),
    })
    .send(download.body);
}

@ApiTags('export')
@Controller('export')
export class ExportController {
  constructor(private readonly exports: ExportService) {}

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
    attachment(response, await this.exports.caCertificate(auth.user, id));
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
    attachment(response, await this.exports.caPrivateKey(auth, id));
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
    attachment(response, await this.exports.certificate(auth.user, id));
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
    attachment(response, await this.exports.certificatePrivateKey(auth, id));
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
    attachment(response, await this.exports.chain(auth.user, id));
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
    [PKCS12]: 'binary',
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
    attachment(response, await this.exports.pkcs12(auth, id, dto.password));
  }
}
