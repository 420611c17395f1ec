import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors, ApiIdParam } from '../common/api-responses.decorator';
import { ParseIdPipe } from '../common/parse-id.pipe';
import { Auth, AuthContext } from '../common/request-context';
import { CreateTrustPolicyDto, TrustPolicyResponseDto, UpdateTrustPolicyDto } from './dto/trust-policy.dto';
import { TrustPoliciesService } from './trust-policies.service';

@ApiTags('service accounts')
@Controller('service-accounts/:account_id/trust-policies')
export class TrustPoliciesController {
  constructor(private readonly policies: TrustPoliciesService) {}

  @Post()
  @ApiOperation({
    summary: "Trust a CI issuer's ID tokens for this service account (OIDC workload identity federation)",
    description:
      'A job whose ID token comes from `issuer`, for `audience`, with claims matching `bound_claims`, exchanges it at ' +
      'POST /auth/token (grant_type urn:ietf:params:oauth:grant-type:token-exchange) for an access token of the account.',
  })
  @ApiIdParam('account_id', 3, 'A service account')
  @ApiBody({
    type: CreateTrustPolicyDto,
    examples: {
      github: {
        summary: "GitHub Actions: acme/app's main branch and its v* tags",
        value: {
          description: 'acme/app releases',
          issuer: 'https://token.actions.githubusercontent.com',
          audience: 'https://ca.example.com',
          bound_claims: { repository: 'acme/app', ref: ['refs/heads/main', 'refs/tags/v*'] },
          max_token_minutes: 10,
        },
      },
      gitlab: {
        summary: 'GitLab CI: every project of the acme group, protected refs only',
        value: {
          issuer: 'https://gitlab.com',
          audience: 'https://ca.example.com',
          bound_claims: { namespace_path: 'acme', ref_protected: 'true' },
        },
      },
    },
  })
  @ApiCreatedResponse({ type: TrustPolicyResponseDto })
  @ApiErrors([400, 'Invalid input: the issuer URL, the bound claims'], 401, 403, 404)
  create(
    @Auth() auth: AuthContext,
    @Param('account_id', ParseIdPipe) accountId: number,
    @Body() dto: CreateTrustPolicyDto,
  ): Promise<TrustPolicyResponseDto> {
    return this.policies.create(auth, accountId, dto);
  }

  @Get()
  @ApiOperation({ summary: "The service account's trust policies" })
  @ApiIdParam('account_id', 3, 'A service account')
  @ApiOkResponse({ type: TrustPolicyResponseDto, isArray: true })
  @ApiErrors(400, 401, 403, 404)
  list(
    @Auth() auth: AuthContext,
    @Param('account_id', ParseIdPipe) accountId: number,
  ): Promise<TrustPolicyResponseDto[]> {
    return this.policies.list(auth.user, accountId);
  }

  @Get(':policy_id')
  @ApiOperation({ summary: 'Get a trust policy' })
  @ApiIdParam('account_id', 3, 'A service account')
  @ApiIdParam('policy_id', 1, 'One of its trust policies')
  @ApiOkResponse({ type: TrustPolicyResponseDto })
  @ApiErrors(400, 401, 403, 404)
  get(
    @Auth() auth: AuthContext,
    @Param('account_id', ParseIdPipe) accountId: number,
    @Param('policy_id', ParseIdPipe) policyId: number,
  ): Promise<TrustPolicyResponseDto> {
    return this.policies.get(auth.user, accountId, policyId);
  }

  @Patch(':policy_id')
  @ApiOperation({ summary: 'Change some fields of a trust policy (bound_claims is replaced whole)' })
  @ApiIdParam('account_id', 3, 'A service account')
  @ApiIdParam('policy_id', 1, 'One of its trust policies')
  @ApiBody({
    type: UpdateTrustPolicyDto,
    examples: {
      tags: {
        summary: 'Release tags only',
        value: { bound_claims: { repository: 'acme/app', ref: 'refs/tags/v*' } },
      },
    },
  })
  @ApiOkResponse({ type: TrustPolicyResponseDto })
  @ApiErrors(400, 401, 403, 404)
  update(
    @Auth() auth: AuthContext,
    @Param('account_id', ParseIdPipe) accountId: number,
    @Param('policy_id', ParseIdPipe) policyId: number,
    @Body() dto: UpdateTrustPolicyDto,
  ): Promise<TrustPolicyResponseDto> {
    return this.policies.update(auth, accountId, policyId, dto);
  }

  @Delete(':policy_id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a trust policy: its ID tokens are no longer exchanged' })
  @ApiIdParam('account_id', 3, 'A service account')
  @ApiIdParam('policy_id', 1, 'One of its trust policies')
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 401, 403, 404)
  remove(
    @Auth() auth: AuthContext,
    @Param('account_id', ParseIdPipe) accountId: number,
    @Param('policy_id', ParseIdPipe) policyId: number,
  ): Promise<void> {
    return this.policies.remove(auth, accountId, policyId);
  }
}
