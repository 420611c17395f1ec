import { Body, Controller, Headers, Post } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { IssuedCertificateResponseDto } from '../cert/dto/certificate-response.dto';
import { errorExample, EXAMPLE_CSR_PEM } from '../common/api-examples';
import { ApiErrors } from '../common/api-responses.decorator';
import { CERTIFICATE_PROOF_SCHEME } from '../common/openapi-document';
import { Public } from '../common/public.decorator';
import { Ctx, RequestContext } from '../common/request-context';
import { CLAMP_WARNING_HEADER, WarnsOfValidityClamp } from '../common/validity-clamp-warning';
import { RenewCertificateDto } from './dto/renew-certificate.dto';
import { RenewalService } from './renewal.service';

@ApiTags('certificates')
@Controller('certificates')
export class RenewalController {
  constructor(private readonly renewals: RenewalService) {}

  /** Public for the access-token guard: the renewal token is its own authentication. */
  @Public()
  @Post('renew')
  @ApiSecurity(CERTIFICATE_PROOF_SCHEME)
  @ApiOperation({
    summary: 'Renew a certificate by proof of its private key (no other credential; docs/renewal.md)',
    description:
      "Authorization: Bearer <JWT signed with the certificate's private key>: RS256 or PS256 (RSA), ES256 " +
      '(P-256), ES384 (P-384) or EdDSA (Ed25519); header `x5c` = the certificate (base64 DER), optionally ' +
      "followed by its CA chain; claims `aud` (this route's URL under PUBLIC_BASE_URL), `iat`, `exp` (at " +
      'most 300 s after iat), `jti` (used once), `nbf` optional. The new certificate has the same subject, ' +
      'SANs, type and profile, is issued for its owner through every issuance rule, and names the old one ' +
      'in `renewed_from`.',
  })
  @ApiBody({
    type: RenewCertificateDto,
    examples: {
      'access token': errorExample(401, 'an access token is no proof of a certificate', {
        csr: EXAMPLE_CSR_PEM,
      }),
    },
  })
  @WarnsOfValidityClamp()
  @ApiCreatedResponse({ type: IssuedCertificateResponseDto, headers: CLAMP_WARNING_HEADER })
  @ApiErrors(
    [400, 'Invalid input (the CSR), or a certificate the rules refuse now (profile, CA, lifetime)'],
    [401, 'No renewal token, or one refused (signature, alg, x5c, aud, lifetime, expiry, jti used)'],
    [403, 'The certificate is revoked or expired beyond the grace period, or its owner may not issue'],
    [404, 'The CA no longer exists'],
    [409, 'The CA changed while signing; retry'],
  )
  renew(
    @Ctx() context: RequestContext,
    @Headers('authorization') authorization: string | undefined,
    @Body() dto: RenewCertificateDto,
  ): Promise<IssuedCertificateResponseDto> {
    return this.renewals.renew(context, authorization, dto);
  }
}
