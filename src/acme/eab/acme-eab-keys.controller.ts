import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { errorExample } from '../../common/api-examples';
import { ApiErrors, ApiIdParam } from '../../common/api-responses.decorator';
import { ParseIdPipe } from '../../common/parse-id.pipe';
import { Auth, AuthContext } from '../../common/request-context';
import { SecretResponse } from '../../common/secret-response.decorator';
import { AcmeEabKeysService } from './acme-eab-keys.service';
import {
  AcmeEabKeyResponseDto,
  CreateAcmeEabKeyDto,
  CreatedAcmeEabKeyResponseDto,
} from './dto/acme-eab-key.dto';
import { EabKidPipe } from './eab-kid.pipe';

const PROFILE_PARAM = ApiIdParam('profile_id', 1, 'Profile 1 of the POST /profiles example');

@ApiTags('ACME')
@Controller('profiles/:profile_id/acme-eab-keys')
export class AcmeEabKeysController {
  constructor(private readonly keys: AcmeEabKeysService) {}

  @Post()
  @SecretResponse()
  @ApiOperation({
    summary: "Create an EAB key for the profile's ACME server (the HMAC key is shown once)",
    description:
      'RFC 8555 7.3.4 external account binding: an ACME client registers one account with the kid and ' +
      'HMAC key (certbot `--eab-kid --eab-hmac-key`, lego `--eab --kid --hmac`, cert-manager `externalAccountBinding`). ' +
      "The profile's organization admins and superusers; the profile need not have acme_enabled yet.",
  })
  @PROFILE_PARAM
  @ApiBody({
    type: CreateAcmeEabKeyDto,
    examples: {
      cluster: { summary: 'A key for a cert-manager issuer', value: { description: 'cert-manager, prod-1' } },
    },
  })
  @ApiCreatedResponse({ type: CreatedAcmeEabKeyResponseDto })
  @ApiErrors(400, 401, 403, 404)
  create(
    @Auth() auth: AuthContext,
    @Param('profile_id', ParseIdPipe) profileId: number,
    @Body() dto: CreateAcmeEabKeyDto,
  ): Promise<CreatedAcmeEabKeyResponseDto> {
    return this.keys.create(auth, profileId, dto);
  }

  @Get()
  @ApiOperation({ summary: "List a profile's EAB keys and the accounts they bound (never the HMAC keys)" })
  @PROFILE_PARAM
  @ApiOkResponse({ type: AcmeEabKeyResponseDto, isArray: true })
  @ApiErrors(400, 401, 403, 404)
  list(
    @Auth() auth: AuthContext,
    @Param('profile_id', ParseIdPipe) profileId: number,
  ): Promise<AcmeEabKeyResponseDto[]> {
    return this.keys.list(auth, profileId);
  }

  @Delete(':kid')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Revoke an EAB key: it binds no account from now on (an account it bound keeps working)',
  })
  @PROFILE_PARAM
  @ApiParam({
    name: 'kid',
    description: 'The EAB key id ("eab_" and 24 hex digits)',
    examples: {
      unknown: errorExample(404, 'a key id that was never issued', 'eab_000000000000000000000000'),
    },
  })
  @ApiNoContentResponse({ description: 'Revoked (or already revoked)' })
  @ApiErrors(400, 401, 403, 404)
  revoke(
    @Auth() auth: AuthContext,
    @Param('profile_id', ParseIdPipe) profileId: number,
    @Param('kid', EabKidPipe) kid: string,
  ): Promise<void> {
    return this.keys.revoke(auth, profileId, kid);
  }
}
