import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { RevokeCertificateDto } from '../common/revoke.dto';
import { CertificateChainDto } from '../common/certificate-chain.dto';
import { ParseIdPipe } from '../common/parse-id.pipe';
import { Auth, AuthContext } from '../common/request-context';
import { RejectRequestDto, RequestQueryDto, SignRequestDto, SubmitRequestDto } from './dto/request.dto';
import { RequestResponseDto } from './dto/request-response.dto';
import { RequestsService } from './requests.service';

@ApiTags('certificate requests')
@ApiBearerAuth()
@Controller('certificate-requests')
export class RequestsController {
  constructor(private readonly requests: RequestsService) {}

  @Post()
  @ApiOperation({ summary: 'Submit a PEM CSR (needs can_request_cert, can_create_cert or admin)' })
  submit(@Auth() auth: AuthContext, @Body() dto: SubmitRequestDto): Promise<RequestResponseDto> {
    return this.requests.submit(auth, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List the requests visible to the caller, newest first' })
  list(@Auth() auth: AuthContext, @Query() query: RequestQueryDto): Promise<RequestResponseDto[]> {
    return this.requests.list(auth.user, query);
  }

  @Get(':request_id')
  @ApiOperation({ summary: 'Get a request' })
  get(@Auth() auth: AuthContext, @Param('request_id', ParseIdPipe) id: number): Promise<RequestResponseDto> {
    return this.requests.get(auth.user, id);
  }

  @Get(':request_id/csr')
  @Header('Content-Type', 'application/pkcs10')
  @ApiProduces('application/pkcs10')
  @ApiOperation({ summary: 'Download the CSR (PEM), for signing outside' })
  csr(@Auth() auth: AuthContext, @Param('request_id', ParseIdPipe) id: number): Promise<string> {
    return this.requests.csrPem(auth.user, id);
  }

  @Post(':request_id/sign')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign an outstanding request with one of our CAs' })
  sign(
    @Auth() auth: AuthContext,
    @Param('request_id', ParseIdPipe) id: number,
    @Body() dto: SignRequestDto,
  ): Promise<RequestResponseDto> {
    return this.requests.sign(auth, id, dto);
  }

  @Post(':request_id/reject')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reject an outstanding request' })
  reject(
    @Auth() auth: AuthContext,
    @Param('request_id', ParseIdPipe) id: number,
    @Body() dto: RejectRequestDto,
  ): Promise<RequestResponseDto> {
    return this.requests.reject(auth, id, dto);
  }

  @Post(':request_id/certificate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Attach a chain signed outside (PEM, leaf first; the leaf must hold the CSR key)',
  })
  upload(
    @Auth() auth: AuthContext,
    @Param('request_id', ParseIdPipe) id: number,
    @Body() dto: CertificateChainDto,
  ): Promise<RequestResponseDto> {
    return this.requests.uploadCertificate(auth, id, dto);
  }

  @Delete(':request_id/certificate')
  @ApiOperation({ summary: 'Detach the certificate; the request is outstanding again' })
  removeCertificate(
    @Auth() auth: AuthContext,
    @Param('request_id', ParseIdPipe) id: number,
  ): Promise<RequestResponseDto> {
    return this.requests.removeCertificate(auth, id);
  }

  @Post(':request_id/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke the attached certificate (only when one of our CAs signed it)' })
  revoke(
    @Auth() auth: AuthContext,
    @Param('request_id', ParseIdPipe) id: number,
    @Body() dto: RevokeCertificateDto,
  ): Promise<RequestResponseDto> {
    return this.requests.revoke(auth, id, dto);
  }

  @Delete(':request_id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a request (any state; an issued certificate stays)' })
  remove(@Auth() auth: AuthContext, @Param('request_id', ParseIdPipe) id: number): Promise<void> {
    return this.requests.remove(auth, id);
  }
}
