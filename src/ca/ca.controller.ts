import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ParseIdPipe } from '../common/parse-id.pipe';
import { Auth, AuthContext } from '../common/request-context';
import { CaService } from './ca.service';
import { CaDetailResponseDto, CaResponseDto } from './dto/ca-response.dto';
import { CreateCaDto } from './dto/create-ca.dto';

@ApiTags('certificate authorities')
@ApiBearerAuth()
@Controller('cas')
export class CaController {
  constructor(private readonly cas: CaService) {}

  @Post()
  @ApiOperation({
    summary: 'Create a root CA, or an intermediate with parent_ca_id (response includes the private key)',
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

  @Delete(':ca_id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a CA and its certificates (409 while it has child CAs)' })
  remove(@Auth() auth: AuthContext, @Param('ca_id', ParseIdPipe) id: number): Promise<void> {
    return this.cas.remove(auth, id);
  }
}
