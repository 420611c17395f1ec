import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
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
@ApiBearerAuth()
@ApiProduces(PEM)
@Controller('export')
export class ExportController {
  constructor(private readonly exports: ExportService) {}

  @Get('ca/:ca_id/certificate')
  @ApiOperation({ summary: 'Download a CA certificate (PEM)' })
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
  async caPrivateKey(
    @Auth() auth: AuthContext,
    @Param('ca_id', ParseIdPipe) id: number,
    @Res() response: Response,
  ) {
    attachment(response, await this.exports.caPrivateKey(auth, id));
  }

  @Get('certificate/:cert_id')
  @ApiOperation({ summary: 'Download a certificate (PEM)' })
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
  async certificateKey(
    @Auth() auth: AuthContext,
    @Param('cert_id', ParseIdPipe) id: number,
    @Res() response: Response,
  ) {
    attachment(response, await this.exports.certificatePrivateKey(auth, id));
  }

  @Get('certificate/:cert_id/chain')
  @ApiOperation({ summary: 'Download a certificate and its issuers up to the root (PEM)' })
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
  @ApiProduces(PKCS12)
  @ApiOperation({
    summary:
      'Download certificate, key and chain as PKCS#12, protected by the password in the body (audited)',
  })
  async pkcs12(
    @Auth() auth: AuthContext,
    @Param('cert_id', ParseIdPipe) id: number,
    @Body() dto: Pkcs12ExportDto,
    @Res() response: Response,
  ) {
    attachment(response, await this.exports.pkcs12(auth, id, dto.password));
  }
}
