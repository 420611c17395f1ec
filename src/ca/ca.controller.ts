import { Body, Controller, Delete, Get, Header, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { RevokeCertificateDto } from '../common/revoke.dto';
import { CertificateChainDto } from '../common/certificate-chain.dto';
import { ParseIdPipe } from '../common/parse-id.pipe';
import { SecretResponse } from '../common/secret-response.decorator';
import { Auth, AuthContext } from '../common/request-context';
import { CaLifecycleService } from './ca-lifecycle.service';
import { CaService } from './ca.service';
import { SignPendingCaDto, UpdateCaDto } from './dto/ca-lifecycle.dto';
import { CaDetailResponseDto, CaResponseDto } from './dto/ca-response.dto';
import { CreateCaDto } from './dto/create-ca.dto';

@ApiTags('certificate authorities')
@ApiBearerAuth()
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
  create(@Auth() auth: AuthContext, @Body() dto: CreateCaDto): Promise<CaDetailResponseDto> {
    return this.cas.create(auth, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List the CAs visible to the caller' })
  list(@Auth() auth: AuthContext): Promise<CaResponseDto[]> {
    return this.cas.list(auth.user);
  }

  @Get(':ca_id')
  @ApiOperation({ summary: 'Get a CA (no private key)' })
  get(@Auth() auth: AuthContext, @Param('ca_id', ParseIdPipe) id: number): Promise<CaResponseDto> {
    return this.cas.get(auth.user, id);
  }

  @Get(':ca_id/private-key')
  @SecretResponse()
  @ApiOperation({ summary: 'Get a CA with its private key (audited)' })
  privateKey(
    @Auth() auth: AuthContext,
    @Param('ca_id', ParseIdPipe) id: number,
  ): Promise<CaDetailResponseDto> {
    return this.cas.getWithPrivateKey(auth, id);
  }

  @Get(':ca_id/chain')
  @ApiOperation({ summary: 'The CA and its ancestors, up to the root' })
  chain(@Auth() auth: AuthContext, @Param('ca_id', ParseIdPipe) id: number): Promise<CaResponseDto[]> {
    return this.cas.chain(auth.user, id);
  }

  @Get(':ca_id/children')
  @ApiOperation({ summary: 'Direct child CAs' })
  children(@Auth() auth: AuthContext, @Param('ca_id', ParseIdPipe) id: number): Promise<CaResponseDto[]> {
    return this.cas.children(auth.user, id);
  }

  @Get(':ca_id/crl')
  @Header('Content-Type', 'application/x-pem-file')
  @ApiProduces('application/x-pem-file')
  @ApiOperation({ summary: "The CA's current CRL (PEM)" })
  crl(@Auth() auth: AuthContext, @Param('ca_id', ParseIdPipe) id: number): Promise<string> {
    return this.cas.crlPem(auth.user, id);
  }

  @Patch(':ca_id')
  @ApiOperation({
    summary: 'Enable or disable a CA, change its description or leaf policy (needs can_create_ca)',
  })
  update(
    @Auth() auth: AuthContext,
    @Param('ca_id', ParseIdPipe) id: number,
    @Body() dto: UpdateCaDto,
  ): Promise<CaResponseDto> {
    return this.lifecycle.update(auth, id, dto);
  }

  @Get(':ca_id/csr')
  @Header('Content-Type', 'application/pkcs10')
  @ApiProduces('application/pkcs10')
  @ApiOperation({ summary: "A pending CA's CSR (PEM), to be signed outside" })
  csr(@Auth() auth: AuthContext, @Param('ca_id', ParseIdPipe) id: number): Promise<string> {
    return this.cas.csrPem(auth.user, id);
  }

  @Post(':ca_id/certificate')
  @HttpCode(200)
  @ApiOperation({
    summary: "Give a pending CA its certificate: a chain signed outside (PEM, the CA's first)",
  })
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
  remove(@Auth() auth: AuthContext, @Param('ca_id', ParseIdPipe) id: number): Promise<void> {
    return this.cas.remove(auth, id);
  }
}
