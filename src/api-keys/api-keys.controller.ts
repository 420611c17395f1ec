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
import { errorExample } from '../common/api-examples';
import { ApiErrors, ApiIdParam } from '../common/api-responses.decorator';
import { ParseIdPipe } from '../common/parse-id.pipe';
import { Auth, AuthContext } from '../common/request-context';
import { SecretResponse } from '../common/secret-response.decorator';
import { ApiKeysService } from './api-keys.service';
import {
  ApiKeyResponseDto,
  CreateApiKeyDto,
  CreatedApiKeyResponseDto,
  CreatePersonalApiKeyDto,
} from './dto/api-key.dto';
import { KeyIdPipe } from './key-id.pipe';

const KEY_ID_PARAM = ApiParam({
  name: 'key_id',
  description: 'The id of the key (the 16 hex digits after pkca_)',
  examples: { unknown: errorExample(404, 'a key id that was never issued', '0000000000000000') },
});

@ApiTags('service accounts')
@Controller('service-accounts/:account_id/keys')
export class ServiceAccountKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @SecretResponse()
  @ApiOperation({
    summary: 'Create an API key for a service account (the key is shown once)',
    description: 'Use it as "Authorization: Bearer pkca_…" on every route the service account may call.',
  })
  @ApiIdParam('account_id', 3, 'The service account of the POST /service-accounts example')
  @ApiBody({
    type: CreateApiKeyDto,
    examples: { ci: { summary: 'A key for 30 days', value: { name: 'ci', expires_in_days: 30 } } },
  })
  @ApiCreatedResponse({ type: CreatedApiKeyResponseDto })
  @ApiErrors(400, 401, 403, 404)
  create(
    @Auth() auth: AuthContext,
    @Param('account_id', ParseIdPipe) accountId: number,
    @Body() dto: CreateApiKeyDto,
  ): Promise<CreatedApiKeyResponseDto> {
    return this.keys.createForServiceAccount(auth, accountId, dto);
  }

  @Get()
  @ApiOperation({ summary: "List a service account's API keys (never the keys themselves)" })
  @ApiIdParam('account_id', 3, 'The service account of the POST /service-accounts example')
  @ApiOkResponse({ type: ApiKeyResponseDto, isArray: true })
  @ApiErrors(400, 401, 403, 404)
  list(
    @Auth() auth: AuthContext,
    @Param('account_id', ParseIdPipe) accountId: number,
  ): Promise<ApiKeyResponseDto[]> {
    return this.keys.listForServiceAccount(auth, accountId);
  }

  @Delete(':key_id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a service account API key: refused from the next request on' })
  @ApiIdParam('account_id', 3, 'The service account of the POST /service-accounts example')
  @KEY_ID_PARAM
  @ApiNoContentResponse({ description: 'Revoked (or already revoked)' })
  @ApiErrors(400, 401, 403, 404)
  revoke(
    @Auth() auth: AuthContext,
    @Param('account_id', ParseIdPipe) accountId: number,
    @Param('key_id', KeyIdPipe) keyId: string,
  ): Promise<void> {
    return this.keys.revokeForServiceAccount(auth, accountId, keyId);
  }
}

@ApiTags('users')
@Controller('users/me/api-keys')
export class PersonalApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @SecretResponse()
  @ApiOperation({
    summary: 'Create a personal API key narrowed to some of your capabilities (the key is shown once)',
    description: 'Only after signing in with a password. The key acts as you, limited to its capabilities.',
  })
  @ApiBody({
    type: CreatePersonalApiKeyDto,
    examples: {
      issue: { summary: 'Issue only', value: { name: 'laptop scripts', capabilities: ['can_create_cert'] } },
    },
  })
  @ApiCreatedResponse({ type: CreatedApiKeyResponseDto })
  @ApiErrors(400, 401, [403, 'A capability you do not hold, or not signed in with a password'])
  create(@Auth() auth: AuthContext, @Body() dto: CreatePersonalApiKeyDto): Promise<CreatedApiKeyResponseDto> {
    return this.keys.createPersonal(auth, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List your personal API keys (never the keys themselves)' })
  @ApiOkResponse({ type: ApiKeyResponseDto, isArray: true })
  @ApiErrors(401)
  list(@Auth() auth: AuthContext): Promise<ApiKeyResponseDto[]> {
    return this.keys.listPersonal(auth);
  }

  @Delete(':key_id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke one of your personal API keys' })
  @KEY_ID_PARAM
  @ApiNoContentResponse({ description: 'Revoked (or already revoked)' })
  @ApiErrors(400, 401, 404)
  revoke(@Auth() auth: AuthContext, @Param('key_id', KeyIdPipe) keyId: string): Promise<void> {
    return this.keys.revokePersonal(auth, keyId);
  }
}
