import { Body, Controller, Delete, Get, Header, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ForeignChainBody } from '../common/api-examples';
import { ApiErrors, ApiFileResponse, ApiIdParam } from '../common/api-responses.decorator';
import { RevokeCertificateDto } from '../common/revoke.dto';
import { CertificateChainDto } from '../common/certificate-chain.dto';
import { CLAMP_WARNING_HEADER, WarnsOfValidityClamp } from '../common/validity-clamp-warning';
import { ParseIdPipe } from '../common/parse-id.pipe';
import { SecretResponse } from '../common/secret-response.decorator';
import { Auth, AuthContext } from '../common/request-context';
import { CaLifecycleService } from './ca-lifecycle.service';
import { CaService } from './ca.service';
import { SignPendingCaDto, UpdateCaDto } from './dto/ca-lifecycle.dto';
import { CaDetailResponseDto, CaResponseDto } from './dto/ca-response.dto';
import { CreateCaDto } from './dto/create-ca.dto';

@ApiTags('certificate authorities')
@Controller('cas')
export class CaController {
  constructor(
    private readonly cas: CaService,
    private readonly lifecycle: CaLifecycleService,
  ) {}

  @Post()
  @SecretResponse()
  @ApiOperation({
    summary:
      'Create a root CA, an intermediate with parent_ca_id, or a pending CA with pending=true ' +
      '(response includes the private key)',
  })
  @ApiBody({
    type: CreateCaDto,
    examples: {
      root: {
        summary: 'CA 1: a root CA (EC P-256, ten years)',
        value: {
          name: 'Example Root CA',
          subject_dn: 'CN=Example Root CA,O=Example Org',
          description: 'Signs the issuing CAs',
          key_type: 'ec',
          key_size: 256,
          valid_days: 3650,
        },
      },
      intermediate: {
        summary: 'CA 2: an issuing CA under CA 1, for leaf certificates',
        value: {
          name: 'Example Issuing CA',
          subject_dn: 'CN=Example Issuing CA,O=Example Org',
          key_type: 'ec',
          key_size: 256,
          valid_days: 1825,
          parent_ca_id: 1,
          path_length: 0,
        },
      },
      pending: {
        summary: 'CA 3: a pending CA, whose certificate comes later (POST /cas/3/sign)',
        value: {
          name: 'Example Pending CA',
          subject_dn: 'CN=Example Pending CA,O=Example Org',
          key_type: 'ec',
          key_size: 256,
          valid_days: 1825,
          pending: true,
        },
      },
    },
  })
  @WarnsOfValidityClamp()
  @ApiCreatedResponse({ type: CaDetailResponseDto, headers: CLAMP_WARNING_HEADER })
  @ApiErrors([400, 'Invalid input, a taken name, or a parent that cannot sign'], 401, 403, [
    404,
    'The parent CA does not exist',
  ])
  create(@Auth() auth: AuthContext, @Body() dto: CreateCaDto): Promise<CaDetailResponseDto> {
    return this.cas.create(auth, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List the CAs visible to the caller' })
  @ApiOkResponse({ type: CaResponseDto, isArray: true })
  @ApiErrors(401)
  list(@Auth() auth: AuthContext): Promise<CaResponseDto[]> {
    return this.cas.list(auth.user);
  }

  @Get(':ca_id')
  @ApiOperation({ summary: 'Get a CA (no private key)' })
  @ApiIdParam('ca_id', 1, 'CA 1: the root CA of the POST /cas example')
  @ApiOkResponse({ type: CaResponseDto })
  @ApiErrors(400, 401, 403, 404)
  get(@Auth() auth: AuthContext, @Param('ca_id', ParseIdPipe) id: number): Promise<CaResponseDto> {
    return this.cas.get(auth.user, id);
  }

  @Get(':ca_id/private-key')
  @SecretResponse()
  @ApiOperation({ summary: 'Get a CA with its private key (audited)' })
  @ApiIdParam('ca_id', 1, 'CA 1: the root CA of the POST /cas example')
  @ApiOkResponse({ type: CaDetailResponseDto })
  @ApiErrors(400, 401, 403, 404)
  privateKey(
    @Auth() auth: AuthContext,
    @Param('ca_id', ParseIdPipe) id: number,
  ): Promise<CaDetailResponseDto> {
    return this.cas.getWithPrivateKey(auth, id);
  }

  @Get(':ca_id/chain')
  @ApiOperation({ summary: 'The CA and its ancestors, up to the root' })
  @ApiIdParam('ca_id', 2, 'CA 2: the issuing CA of the POST /cas example')
  @ApiOkResponse({ type: CaResponseDto, isArray: true, description: 'The CA first, the root last' })
  @ApiErrors(400, 401, 403, 404)
  chain(@Auth() auth: AuthContext, @Param('ca_id', ParseIdPipe) id: number): Promise<CaResponseDto[]> {
    return this.cas.chain(auth.user, id);
  }

  @Get(':ca_id/children')
  @ApiOperation({ summary: 'Direct child CAs' })
  @ApiIdParam('ca_id', 1, 'CA 1: the root CA of the POST /cas example')
  @ApiOkResponse({ type: CaResponseDto, isArray: true })
  @ApiErrors(400, 401, 403, 404)
  children(@Auth() auth: AuthContext, @Param('ca_id', ParseIdPipe) id: number): Promise<CaResponseDto[]> {
    return this.cas.children(auth.user, id);
  }

  @Get(':ca_id/crl')
  @Header('Content-Type', 'application/x-pem-file')
  @ApiOperation({ summary: "The CA's current CRL (PEM)" })
  @ApiIdParam('ca_id', 1, 'CA 1: the root CA of the POST /cas example')
  @ApiFileResponse('The CRL, PEM', { 'application/x-pem-file': 'text' })
  @ApiErrors(400, 401, 403, 404, [409, 'The CA is pending: it has no CRL yet'])
  crl(@Auth() auth: AuthContext, @Param('ca_id', ParseIdPipe) id: number): Promise<string> {
    return this.cas.crlPem(auth.user, id);
  }

  @Patch(':ca_id')
  @ApiOperation({
    summary: 'Enable or disable a CA, change its description or leaf policy (needs can_create_ca)',
  })
  @ApiIdParam('ca_id', 1, 'CA 1: the root CA of the POST /cas example')
  @ApiBody({
    type: UpdateCaDto,
    examples: {
      describe: {
        summary: 'A new description; the CA stays enabled',
        value: { enabled: true, description: 'The root of Example Org' },
      },
    },
  })
  @ApiOkResponse({ type: CaResponseDto })
  @ApiErrors(400, 401, 403, 404, 409)
  update(
    @Auth() auth: AuthContext,
    @Param('ca_id', ParseIdPipe) id: number,
    @Body() dto: UpdateCaDto,
  ): Promise<CaResponseDto> {
    return this.lifecycle.update(auth, id, dto);
  }

  @Get(':ca_id/csr')
  @Header('Content-Type', 'application/pkcs10')
  @ApiOperation({ summary: "A pending CA's CSR (PEM), to be signed outside" })
  @ApiIdParam('ca_id', 3, 'CA 3: the pending CA of the POST /cas example')
  @ApiFileResponse('The PKCS#10 CSR, PEM', { 'application/pkcs10': 'text' })
  @ApiErrors(400, 401, 403, [404, 'No such CA, or it was created with its certificate (no CSR)'])
  csr(@Auth() auth: AuthContext, @Param('ca_id', ParseIdPipe) id: number): Promise<string> {
    return this.cas.csrPem(auth.user, id);
  }

  @Post(':ca_id/certificate')
  @HttpCode(200)
  @ApiOperation({
    summary: "Give a pending CA its certificate: a chain signed outside (PEM, the CA's first)",
  })
  @ApiIdParam('ca_id', 3, 'CA 3: the pending CA of the POST /cas example')
  @ForeignChainBody('CA')
  @ApiOkResponse({ type: CaResponseDto, description: 'The CA, now active' })
  @ApiErrors(
    [400, "The chain is not valid, or its first certificate does not hold the CA's key"],
    401,
    403,
    404,
    [409, 'The CA is not pending'],
  )
  uploadCertificate(
    @Auth() auth: AuthContext,
    @Param('ca_id', ParseIdPipe) id: number,
    @Body() dto: CertificateChainDto,
  ): Promise<CaResponseDto> {
    return this.lifecycle.uploadCertificate(auth, id, dto);
  }

  @Post(':ca_id/sign')
  @HttpCode(200)
  @ApiOperation({ summary: 'Have one of our active CAs sign a pending CA' })
  @ApiIdParam('ca_id', 3, 'CA 3: the pending CA of the POST /cas example')
  @ApiBody({
    type: SignPendingCaDto,
    examples: {
      root: { summary: 'CA 1 signs CA 3 for a year', value: { parent_ca_id: 1, valid_days: 365 } },
    },
  })
  @WarnsOfValidityClamp()
  @ApiOkResponse({ type: CaResponseDto, description: 'The CA, now active', headers: CLAMP_WARNING_HEADER })
  @ApiErrors([400, 'Invalid input, or the parent cannot sign'], 401, 403, 404, [409, 'The CA is not pending'])
  signPending(
    @Auth() auth: AuthContext,
    @Param('ca_id', ParseIdPipe) id: number,
    @Body() dto: SignPendingCaDto,
  ): Promise<CaResponseDto> {
    return this.lifecycle.signPending(auth, id, dto);
  }

  @Post(':ca_id/revoke')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Revoke an intermediate signed here: its serial goes on the parent's CRL (needs can_revoke_cert)",
  })
  @ApiIdParam('ca_id', 3, 'CA 3: the CA signed by POST /cas/3/sign')
  @ApiBody({
    type: RevokeCertificateDto,
    examples: { superseded: { summary: 'Superseded (CRL reason 4)', value: { reason: 'superseded' } } },
  })
  @ApiOkResponse({ type: CaResponseDto, description: 'The CA, now revoked' })
  @ApiErrors(400, 401, 403, 404, [409, 'Already revoked, or not an intermediate signed here'])
  revoke(
    @Auth() auth: AuthContext,
    @Param('ca_id', ParseIdPipe) id: number,
    @Body() dto: RevokeCertificateDto,
  ): Promise<CaResponseDto> {
    return this.lifecycle.revoke(auth, id, dto);
  }

  @Delete(':ca_id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a CA and its certificates (409 while it has child CAs)' })
  @ApiIdParam('ca_id', 2, 'CA 2: the issuing CA of the POST /cas example')
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 401, 403, 404, [409, 'The CA has child CAs, or is revoked and not yet expired'])
  remove(@Auth() auth: AuthContext, @Param('ca_id', ParseIdPipe) id: number): Promise<void> {
    return this.cas.remove(auth, id);
  }
}
