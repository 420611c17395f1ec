import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { EXAMPLE_CSR_PEM, ForeignChainBody } from '../common/api-examples';
import { ApiErrors, ApiFileResponse, ApiIdParam } from '../common/api-responses.decorator';
import { IssuesCertificates } from '../common/issues-certificates.decorator';
import { RevokeCertificateDto } from '../common/revoke.dto';
import { CertificateChainDto } from '../common/certificate-chain.dto';
import { CLAMP_WARNING_HEADER, WarnsOfValidityClamp } from '../common/validity-clamp-warning';
import { ParseIdPipe } from '../common/parse-id.pipe';
import { Auth, AuthContext } from '../common/request-context';
import { RejectRequestDto, RequestQueryDto, SignRequestDto, SubmitRequestDto } from './dto/request.dto';
import { RequestResponseDto, SignedRequestResponseDto } from './dto/request-response.dto';
import { RequestsService } from './requests.service';

@ApiTags('certificate requests')
@Controller('certificate-requests')
export class RequestsController {
  constructor(private readonly requests: RequestsService) {}

  @Post()
  @ApiOperation({ summary: 'Submit a PEM CSR (needs can_request_cert, can_create_cert or admin)' })
  @ApiBody({
    type: SubmitRequestDto,
    examples: {
      server: {
        summary: 'Request 1: the example CSR, for a server certificate',
        value: {
          csr: EXAMPLE_CSR_PEM,
          certificate_type: 'server',
          comment: 'For the app.example.com load balancer',
        },
      },
      'to reject': {
        summary: 'Request 2: the same CSR again (POST /certificate-requests/2/reject refuses it)',
        value: { csr: EXAMPLE_CSR_PEM, comment: 'A second request for app.example.com' },
      },
      'to detach': {
        summary: 'Request 3: the same CSR, for a dual-purpose certificate',
        value: { csr: EXAMPLE_CSR_PEM, certificate_type: 'dual_purpose' },
      },
    },
  })
  @ApiCreatedResponse({ type: RequestResponseDto })
  @ApiErrors([400, 'Invalid input, or a CSR that is not valid or whose key is too weak'], 401, 403)
  submit(@Auth() auth: AuthContext, @Body() dto: SubmitRequestDto): Promise<RequestResponseDto> {
    return this.requests.submit(auth, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List the requests visible to the caller, newest first' })
  @ApiOkResponse({ type: RequestResponseDto, isArray: true })
  @ApiErrors(400, 401)
  list(@Auth() auth: AuthContext, @Query() query: RequestQueryDto): Promise<RequestResponseDto[]> {
    return this.requests.list(auth.user, query);
  }

  @Get(':request_id')
  @ApiOperation({ summary: 'Get a request' })
  @ApiIdParam('request_id', 1, 'Request 1 of the POST /certificate-requests example')
  @ApiOkResponse({ type: RequestResponseDto })
  @ApiErrors(400, 401, 403, 404)
  get(@Auth() auth: AuthContext, @Param('request_id', ParseIdPipe) id: number): Promise<RequestResponseDto> {
    return this.requests.get(auth.user, id);
  }

  @Get(':request_id/csr')
  @Header('Content-Type', 'application/pkcs10')
  @ApiOperation({ summary: 'Download the CSR (PEM), for signing outside' })
  @ApiIdParam('request_id', 1, 'Request 1 of the POST /certificate-requests example')
  @ApiFileResponse('The PKCS#10 CSR, PEM', { 'application/pkcs10': 'text' })
  @ApiErrors(400, 401, 403, 404)
  csr(@Auth() auth: AuthContext, @Param('request_id', ParseIdPipe) id: number): Promise<string> {
    return this.requests.csrPem(auth.user, id);
  }

  @Post(':request_id/sign')
  @IssuesCertificates()
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign an outstanding request with one of our CAs' })
  @ApiParam({
    name: 'request_id',
    type: 'integer',
    examples: {
      'request 1': { value: 1, summary: 'Request 1, revoked later by POST /certificate-requests/1/revoke' },
      'request 3': {
        value: 3,
        summary: 'Request 3, whose certificate DELETE /certificate-requests/3/certificate detaches',
      },
    },
  })
  @ApiBody({
    type: SignRequestDto,
    examples: { issuing: { summary: 'CA 2 signs for 90 days', value: { ca_id: 2, valid_days: 90 } } },
  })
  @WarnsOfValidityClamp()
  @ApiOkResponse({
    type: SignedRequestResponseDto,
    description: 'The request, now active, with its certificate and chain',
    headers: CLAMP_WARNING_HEADER,
  })
  @ApiErrors(
    [400, 'Invalid input, or a certificate the CA or the rules refuse'],
    401,
    403,
    [404, 'No such request or CA'],
    [409, 'The request is not in a state that allows this'],
  )
  sign(
    @Auth() auth: AuthContext,
    @Param('request_id', ParseIdPipe) id: number,
    @Body() dto: SignRequestDto,
  ): Promise<SignedRequestResponseDto> {
    return this.requests.sign(auth, id, dto);
  }

  @Post(':request_id/reject')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reject an outstanding request' })
  @ApiIdParam('request_id', 2, 'Request 2 of the POST /certificate-requests example')
  @ApiBody({
    type: RejectRequestDto,
    examples: {
      reason: {
        summary: 'With a reason for the requester',
        value: { reason: 'Use the wildcard certificate instead' },
      },
    },
  })
  @ApiOkResponse({ type: RequestResponseDto, description: 'The request, now rejected' })
  @ApiErrors(400, 401, 403, 404, [409, 'The request is not in a state that allows this'])
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
  @ApiIdParam('request_id', 2, 'Request 2, while still outstanding')
  @ForeignChainBody('CSR')
  @ApiOkResponse({ type: RequestResponseDto, description: 'The request, now active' })
  @ApiErrors([400, "The chain is not valid, or its leaf does not hold the CSR's key"], 401, 403, 404, [
    409,
    'The request is not in a state that allows this',
  ])
  upload(
    @Auth() auth: AuthContext,
    @Param('request_id', ParseIdPipe) id: number,
    @Body() dto: CertificateChainDto,
  ): Promise<RequestResponseDto> {
    return this.requests.uploadCertificate(auth, id, dto);
  }

  @Delete(':request_id/certificate')
  @ApiOperation({ summary: 'Detach the certificate; the request is outstanding again' })
  @ApiIdParam('request_id', 3, 'Request 3, signed by POST /certificate-requests/3/sign')
  @ApiOkResponse({ type: RequestResponseDto, description: 'The request, outstanding again' })
  @ApiErrors(400, 401, 403, 404, [409, 'The request is not in a state that allows this'])
  removeCertificate(
    @Auth() auth: AuthContext,
    @Param('request_id', ParseIdPipe) id: number,
  ): Promise<RequestResponseDto> {
    return this.requests.removeCertificate(auth, id);
  }

  @Post(':request_id/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke the attached certificate (only when one of our CAs signed it)' })
  @ApiIdParam('request_id', 1, 'Request 1 of the POST /certificate-requests example')
  @ApiBody({
    type: RevokeCertificateDto,
    examples: { retired: { summary: 'Cessation of operation (CRL reason 5)', value: { reason_code: 5 } } },
  })
  @ApiOkResponse({ type: RequestResponseDto, description: 'The request, now revoked' })
  @ApiErrors(400, 401, 403, 404, [409, 'The request is not active, or its certificate was signed outside'])
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
  @ApiIdParam('request_id', 2, 'Request 2, rejected by POST /certificate-requests/2/reject')
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 401, 403, 404)
  remove(@Auth() auth: AuthContext, @Param('request_id', ParseIdPipe) id: number): Promise<void> {
    return this.requests.remove(auth, id);
  }
}
