import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EXAMPLE_CSR_PEM } from '../common/api-examples';
import { IssuesCertificates } from '../common/issues-certificates.decorator';
import { ApiErrors, ApiIdParam } from '../common/api-responses.decorator';
import { CLAMP_WARNING_HEADER, WarnsOfValidityClamp } from '../common/validity-clamp-warning';
import { ParseIdPipe } from '../common/parse-id.pipe';
import { SecretResponse } from '../common/secret-response.decorator';
import { Auth, AuthContext } from '../common/request-context';
import { CertificateIssuanceService } from './certificate-issuance.service';
import { CertificateRecordsService } from './certificate-records.service';
import { CertificateQueryDto } from './dto/certificate-query.dto';
import {
  CertificateDetailResponseDto,
  CertificateResponseDto,
  IssuedCertificateDetailResponseDto,
  IssuedCertificateResponseDto,
} from './dto/certificate-response.dto';
import { IssueCertificateDto, IssueQueryDto, SignCsrDto } from './dto/issue-certificate.dto';
import { RevokeCertificateDto } from '../common/revoke.dto';

@ApiTags('certificates')
@Controller('certificates')
export class CertController {
  constructor(
    private readonly issuance: CertificateIssuanceService,
    private readonly certificates: CertificateRecordsService,
  ) {}

  @Post()
  @IssuesCertificates()
  @SecretResponse()
  @ApiOperation({ summary: 'Issue a certificate with a server-generated key under ?ca_id=' })
  @ApiBody({
    type: IssueCertificateDto,
    examples: {
      server: {
        summary: 'A TLS server certificate for web.example.com, EC P-256, 90 days',
        value: {
          common_name: 'web.example.com',
          subject_dn: 'CN=web.example.com,O=Example Org',
          certificate_type: 'server',
          key_type: 'ec',
          key_size: 256,
          valid_days: 90,
          san_dns_names: ['web.example.com', 'www.example.com'],
          san_ip_addresses: ['192.0.2.10'],
        },
      },
    },
  })
  @WarnsOfValidityClamp()
  @ApiCreatedResponse({ type: IssuedCertificateDetailResponseDto, headers: CLAMP_WARNING_HEADER })
  @ApiErrors(
    [400, 'Invalid input, or a certificate the CA or the rules refuse (SANs, lifetime, type)'],
    401,
    403,
    [404, 'The CA does not exist'],
    [409, 'The CA changed while signing; retry'],
  )
  issue(
    @Auth() auth: AuthContext,
    @Query() query: IssueQueryDto,
    @Body() dto: IssueCertificateDto,
  ): Promise<IssuedCertificateDetailResponseDto> {
    return this.issuance.issue(auth, query.ca_id, dto);
  }

  @Post('sign-csr')
  @IssuesCertificates()
  @ApiOperation({ summary: 'Sign a PEM CSR (its signature is verified first); never returns a private key' })
  @ApiBody({
    type: SignCsrDto,
    examples: {
      server: {
        summary: 'The example CSR for app.example.com, signed by CA 2 for 90 days',
        value: { csr: EXAMPLE_CSR_PEM, ca_id: 2, certificate_type: 'server', valid_days: 90 },
      },
    },
  })
  @WarnsOfValidityClamp()
  @ApiCreatedResponse({ type: IssuedCertificateResponseDto, headers: CLAMP_WARNING_HEADER })
  @ApiErrors(
    [400, 'Invalid input, or a certificate the CA or the rules refuse (SANs, lifetime, type)'],
    401,
    403,
    [404, 'The CA (ca_id or ca_name) does not exist'],
    [409, 'The CA changed while signing; retry'],
  )
  signCsr(@Auth() auth: AuthContext, @Body() dto: SignCsrDto): Promise<IssuedCertificateResponseDto> {
    return this.issuance.signCsr(auth, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List visible certificates, newest first (filters: ca_id, status; skip/limit)' })
  @ApiOkResponse({ type: CertificateResponseDto, isArray: true })
  @ApiErrors(400, 401)
  list(@Auth() auth: AuthContext, @Query() query: CertificateQueryDto): Promise<CertificateResponseDto[]> {
    return this.certificates.list(auth.user, query);
  }

  @Get(':cert_id')
  @ApiOperation({ summary: 'Get a certificate (no private key)' })
  @ApiIdParam('cert_id', 1, 'Certificate 1: the one POST /certificates issued')
  @ApiOkResponse({ type: CertificateResponseDto })
  @ApiErrors(400, 401, 403, 404)
  get(@Auth() auth: AuthContext, @Param('cert_id', ParseIdPipe) id: number): Promise<CertificateResponseDto> {
    return this.certificates.get(auth.user, id);
  }

  @Get(':cert_id/private-key')
  @SecretResponse()
  @ApiOperation({ summary: 'Get a certificate with its private key (audited; 404 when no key is stored)' })
  @ApiIdParam('cert_id', 1, 'Certificate 1: the one POST /certificates issued')
  @ApiOkResponse({ type: CertificateDetailResponseDto })
  @ApiErrors(400, 401, 403, [404, 'No such certificate, or no key is stored for it'])
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
  @ApiIdParam('cert_id', 2, 'Certificate 2: the one POST /certificates/sign-csr signed')
  @ApiBody({
    type: RevokeCertificateDto,
    examples: {
      compromised: { summary: 'Key compromise (CRL reason 1)', value: { reason: 'keyCompromise' } },
    },
  })
  @ApiOkResponse({ type: CertificateResponseDto, description: 'The certificate, now revoked' })
  @ApiErrors(400, 401, 403, 404, [409, 'Already revoked'])
  revoke(
    @Auth() auth: AuthContext,
    @Param('cert_id', ParseIdPipe) id: number,
    @Body() dto: RevokeCertificateDto,
  ): Promise<CertificateResponseDto> {
    return this.certificates.revoke(auth, id, dto);
  }
}
