import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import {
  ApiBody,
  ApiConsumes,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ALICE_CREDENTIALS, errorExample } from '../common/api-examples';
import { ApiErrors } from '../common/api-responses.decorator';
import { Public } from '../common/public.decorator';
import { SecretResponse } from '../common/secret-response.decorator';
import { Auth, AuthContext, Ctx, RequestContext } from '../common/request-context';
import { AuthRateLimitGuard, FAMILY_THROTTLER } from './auth-rate-limit.guard';
import { AuthService } from './auth.service';
import { LogoutRequestDto, RefreshRequestDto, TokenRequestDto, TokenResponseDto } from './dto/token.dto';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @UseGuards(AuthRateLimitGuard)
  @SkipThrottle({ [FAMILY_THROTTLER]: true })
  @Post('token')
  @HttpCode(200)
  @SecretResponse()
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiOperation({ summary: 'Sign in with username and password (form-urlencoded)' })
  @ApiBody({
    type: TokenRequestDto,
    examples: { alice: { summary: 'The user made by the POST /users example', value: ALICE_CREDENTIALS } },
  })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiErrors(400, [401, 'Wrong username or password, or the account is inactive'], 429)
  token(@Ctx() context: RequestContext, @Body() form: TokenRequestDto): Promise<TokenResponseDto> {
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
