import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { Type } from 'class-transformer';
import { ApiErrors, ApiIdParam } from '../common/api-responses.decorator';
import { MAX_INT4 } from '../common/integer-limits';
import { ParseIdPipe } from '../common/parse-id.pipe';
import { Auth, AuthContext } from '../common/request-context';
import {
  CreateServiceAccountDto,
  ServiceAccountResponseDto,
  UpdateServiceAccountDto,
} from './dto/service-account.dto';
import { ServiceAccountsService } from './service-accounts.service';

export class ServiceAccountListQueryDto {
  @ApiPropertyOptional({ description: "One organization's accounts (superusers: default all)" })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_INT4)
  organization_id?: number;
}

@ApiTags('service accounts')
@Controller('service-accounts')
export class ServiceAccountsController {
  constructor(private readonly accounts: ServiceAccountsService) {}

  @Post()
  @ApiOperation({
    summary:
      'Create a service account: a principal for CI pipelines, bound to the profiles it may issue through',
    description:
      "Managed by the organization's admins and superusers. It has no password: it authenticates with API keys " +
      '(POST /service-accounts/{id}/keys) or an OIDC ID token exchanged at POST /auth/token.',
  })
  @ApiBody({
    type: CreateServiceAccountDto,
    examples: {
      deploy: {
        summary: 'Service account 3 (users 1 and 2 are people): a pipeline that issues through profile 2',
        value: {
          name: 'deploy-api',
          description: 'GitHub Actions, acme/api',
          organization_id: 1,
          profile_ids: [2],
        },
      },
    },
  })
  @ApiCreatedResponse({ type: ServiceAccountResponseDto })
  @ApiErrors([400, 'Invalid input, a taken name, or a profile outside the organization'], 401, 403)
  create(
    @Auth() auth: AuthContext,
    @Body() dto: CreateServiceAccountDto,
  ): Promise<ServiceAccountResponseDto> {
    return this.accounts.create(auth, dto);
  }

  @Get()
  @ApiOperation({ summary: "List service accounts (an admin: its organization's; superusers: all)" })
  @ApiOkResponse({ type: ServiceAccountResponseDto, isArray: true })
  @ApiErrors(400, 401, 403)
  list(
    @Auth() auth: AuthContext,
    @Query() query: ServiceAccountListQueryDto,
  ): Promise<ServiceAccountResponseDto[]> {
    return this.accounts.list(auth.user, query.organization_id);
  }

  @Get(':account_id')
  @ApiOperation({ summary: 'Get a service account' })
  @ApiIdParam('account_id', 3, 'The service account of the POST /service-accounts example')
  @ApiOkResponse({ type: ServiceAccountResponseDto })
  @ApiErrors(400, 401, 403, 404)
  get(
    @Auth() auth: AuthContext,
    @Param('account_id', ParseIdPipe) id: number,
  ): Promise<ServiceAccountResponseDto> {
    return this.accounts.get(auth.user, id);
  }

  @Patch(':account_id')
  @ApiOperation({
    summary: 'Rename, describe, rebind or disable a service account (disabled: every key and token refused)',
  })
  @ApiIdParam('account_id', 3, 'The service account of the POST /service-accounts example')
  @ApiBody({
    type: UpdateServiceAccountDto,
    examples: { disable: { summary: 'Disable it', value: { enabled: false } } },
  })
  @ApiOkResponse({ type: ServiceAccountResponseDto })
  @ApiErrors(400, 401, 403, 404)
  update(
    @Auth() auth: AuthContext,
    @Param('account_id', ParseIdPipe) id: number,
    @Body() dto: UpdateServiceAccountDto,
  ): Promise<ServiceAccountResponseDto> {
    return this.accounts.update(auth, id, dto);
  }

  @Delete(':account_id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a service account with its keys and trust policies (its certificates stay)',
  })
  @ApiIdParam('account_id', 3, 'The service account of the POST /service-accounts example')
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 401, 403, 404)
  remove(@Auth() auth: AuthContext, @Param('account_id', ParseIdPipe) id: number): Promise<void> {
    return this.accounts.remove(auth, id);
  }
}
