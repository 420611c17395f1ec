import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ParseIdPipe } from '../common/parse-id.pipe';
import { SecretResponse } from '../common/secret-response.decorator';
import { Auth, AuthContext } from '../common/request-context';
import { CertificateIssuanceService } from './certificate-issuance.service';
import { CertificateRecordsService } from './certificate-records.service';
import { CertificateQueryDto } from './dto/certificate-query.dto';
import { CertificateDetailResponseDto, CertificateResponseDto } from './dto/certificate-response.dto';
import { IssueCertificateDto, IssueQueryDto, SignCsrDto } from './dto/issue-certificate.dto';
import { RevokeCertificateDto } from '../common/revoke.dto';

@ApiTags('certificates')
@ApiBearerAuth()
@Controller('certificates')
export class CertController {
  constructor(
    private readonly issuance: CertificateIssuanceService,
    private readonly certificates: CertificateRecordsService,
  ) {}

  @Post()
  @SecretResponse()
  @ApiOperation({ summary: 'Issue a certificate with a server-generated key under ?ca_id=' })
  issue(
    @Auth() auth: AuthContext,
    @Query() query: IssueQueryDto,
    @Body() dto: IssueCertificateDto,
  ): Promise<CertificateDetailResponseDto> {
    return this.issuance.issue(auth, query.ca_id, dto);
  }

  @Post('sign-csr')
  @ApiOperation({ summary: 'Sign a PEM CSR (its signature is verified first); never returns a private key' })
  signCsr(@Auth() auth: AuthContext, @Body() dto: SignCsrDto): Promise<CertificateResponseDto> {
    return this.issuance.signCsr(auth, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List visible certificates, newest first (filters: ca_id, status; skip/limit)' })
  list(@Auth() auth: AuthContext, @Query() query: CertificateQueryDto): Promise<CertificateResponseDto[]> {
    return this.certificates.list(auth.user, query);
  }

  @Get(':cert_id')
  @ApiOperation({ summary: 'Get a certificate (no private key)' })
  get(@Auth() auth: AuthContext, @Param('cert_id', ParseIdPipe) id: number): Promise<CertificateResponseDto> {
    return this.certificates.get(auth.user, id);
  }

  @Get(':cert_id/private-key')
  @SecretResponse()
  @ApiOperation({ summary: 'Get a certificate with its private key (audited; 404 when no key is stored)' })
  privateKey(
    @Auth() auth: AuthContext,
    @Param('cert_id', ParseIdPipe) id: number,
  ): Promise<CertificateDetailResponseDto> {
    return this.certificates.getWithPrivateKey(auth, id);
  }

  @Post(':cert_id/revoke')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Revoke a certificate (409 when already revoked); the CRL is re-signed before it is next served',
  })
  revoke(
    @Auth() auth: AuthContext,
    @Param('cert_id', ParseIdPipe) id: number,
    @Body() dto: RevokeCertificateDto,
  ): Promise<CertificateResponseDto> {
    return this.certificates.revoke(auth, id, dto);
  }
}
