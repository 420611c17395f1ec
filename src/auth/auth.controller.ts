import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import {
  ApiBody,
  ApiConsumes,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { ALICE_CREDENTIALS, errorExample } from '../common/api-examples';
import { ApiErrors } from '../common/api-responses.decorator';
import { Public } from '../common/public.decorator';
import { SecretResponse } from '../common/secret-response.decorator';
import { Auth, AuthContext, Ctx, RequestContext } from '../common/request-context';
import { AuthRateLimitGuard, FAMILY_THROTTLER } from './auth-rate-limit.guard';
import { AuthService } from './auth.service';
import { TokenExchangeService } from './token-exchange.service';
import {
  JWT_TOKEN_TYPE,
  LogoutRequestDto,
  RefreshRequestDto,
  TOKEN_EXCHANGE_GRANT,
  TokenExchangeResponseDto,
  TokenRequestDto,
  TokenResponseDto,
} from './dto/token.dto';

/** A GitHub-shaped ID token (its signature made up) for the exchange example. */
const EXAMPLE_ID_TOKEN =
  'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImV4YW1wbGUifQ.eyJpc3MiOiJodHRwczovL3Rva2VuLmFjdGlvbnMuZ2l0aHVidXNlcmNvbnRlbnQuY29tIiwiYXVkIjoiaHR0cHM6Ly9jYS5leGFtcGxlLmNvbSIsInN1YiI6InJlcG86YWNtZS9hcHA6cmVmOnJlZnMvaGVhZHMvbWFpbiIsInJlcG9zaXRvcnkiOiJhY21lL2FwcCIsInJlZiI6InJlZnMvaGVhZHMvbWFpbiIsImV4cCI6NDEwMjQ0NDgwMH0.c2lnbmF0dXJl';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly exchanges: TokenExchangeService,
  ) {}

  @Public()
  @UseGuards(AuthRateLimitGuard)
  @SkipThrottle({ [FAMILY_THROTTLER]: true })
  @Post('token')
  @HttpCode(200)
  @SecretResponse()
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiOperation({
    summary:
      "Sign in with username and password, or exchange a CI job's OIDC ID token for a service account's access token (RFC 8693)",
    description:
      'Password grant: username and password. Token exchange: grant_type ' +
      `\`${TOKEN_EXCHANGE_GRANT}\`, subject_token (the ID token), subject_token_type \`${JWT_TOKEN_TYPE}\`; ` +
      'the token is accepted through a trust policy of a service account (POST /service-accounts/{id}/trust-policies). ' +
      'Refusals of the ID token are 401 with error "invalid_grant" and the reason; an issuer that cannot be reached ' +
      'to fetch its keys is 503 with error "temporarily_unavailable". Token exchanges do not count against AUTH_RATE_LIMIT.',
  })
  @ApiBody({
    type: TokenRequestDto,
    examples: {
      alice: { summary: 'The user made by the POST /users example', value: ALICE_CREDENTIALS },
      exchange: errorExample(
        401,
        "A GitHub Actions job's ID token for a service account's access token (401 here: no trust policy accepts it)",
        {
          grant_type: TOKEN_EXCHANGE_GRANT,
          subject_token: EXAMPLE_ID_TOKEN,
          subject_token_type: JWT_TOKEN_TYPE,
        },
      ),
    },
  })
  @ApiExtraModels(TokenResponseDto, TokenExchangeResponseDto)
  @ApiOkResponse({
    description: 'A token pair (password grant), or an access token (token exchange)',
    schema: {
      oneOf: [{ $ref: getSchemaPath(TokenResponseDto) }, { $ref: getSchemaPath(TokenExchangeResponseDto) }],
    },
  })
  @ApiErrors(
    [400, 'Invalid input; for a token exchange, error "invalid_request"'],
    [
      401,
      'Wrong username or password, or the account is inactive; a refused ID token (error "invalid_grant")',
    ],
    429,
    [
      503,
      'Token exchange: the OIDC issuer cannot be reached to fetch its keys (error "temporarily_unavailable")',
    ],
  )
  token(
    @Ctx() context: RequestContext,
    @Body() form: TokenRequestDto,
  ): Promise<TokenResponseDto | TokenExchangeResponseDto> {
    if (form.grant_type === TOKEN_EXCHANGE_GRANT) return this.exchanges.exchange(form, context.clientAddress);
    return this.auth.login(form.username, form.password, context.clientAddress);
  }

  @Public()
  @UseGuards(AuthRateLimitGuard)
  @Post('refresh')
  @HttpCode(200)
  @SecretResponse()
  @ApiOperation({ summary: 'Exchange a refresh token for a new pair; the submitted token dies (rotation)' })
  @ApiBody({
    type: RefreshRequestDto,
    examples: {
      used: errorExample(401, 'a refresh token that is unknown, used or expired', {
        refresh_token: 'the refresh_token of POST /auth/token',
      }),
    },
  })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiErrors(400, [401, 'The refresh token is unknown, expired or already used'], 429)
  refresh(@Ctx() context: RequestContext, @Body() body: RefreshRequestDto): Promise<TokenResponseDto> {
    return this.auth.refresh(body.refresh_token, context.clientAddress);
  }

  @Post('logout')
  @HttpCode(204)
  @ApiOperation({ summary: 'Sign out this session: its refresh tokens and this access token' })
  @ApiBody({
    type: LogoutRequestDto,
    examples: {
      session: {
        summary: 'This session, and the one of a refresh token',
        value: { refresh_token: 'the refresh_token of POST /auth/token' },
      },
    },
  })
  @ApiNoContentResponse({ description: 'Signed out' })
  @ApiErrors(400, 401)
  logout(@Auth() auth: AuthContext, @Body() body: LogoutRequestDto): Promise<void> {
    return this.auth.logout(auth, body);
  }

  @Post('invalidate')
  @HttpCode(204)
  @ApiOperation({ summary: 'Sign out every session of the current user' })
  @ApiNoContentResponse({ description: 'Every session of the user is signed out' })
  @ApiErrors(401)
  invalidate(@Auth() auth: AuthContext): Promise<void> {
    return this.auth.invalidateAll(auth);
  }
}
