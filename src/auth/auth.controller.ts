import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { ApiBearerAuth, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
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
  token(@Ctx() context: RequestContext, @Body() form: TokenRequestDto): Promise<TokenResponseDto> {
    return this.auth.login(form.username, form.password, context.clientAddress);
  }

  @Public()
  @UseGuards(AuthRateLimitGuard)
  @Post('refresh')
  @HttpCode(200)
  @SecretResponse()
  @ApiOperation({ summary: 'Exchange a refresh token for a new pair; the submitted token dies (rotation)' })
  refresh(@Ctx() context: RequestContext, @Body() body: RefreshRequestDto): Promise<TokenResponseDto> {
    return this.auth.refresh(body.refresh_token, context.clientAddress);
  }

  @ApiBearerAuth()
  @Post('logout')
  @HttpCode(204)
  @ApiOperation({ summary: 'Sign out this session: its refresh tokens and this access token' })
  logout(@Auth() auth: AuthContext, @Body() body: LogoutRequestDto): Promise<void> {
    return this.auth.logout(auth, body);
  }

  @ApiBearerAuth()
  @Post('invalidate')
  @HttpCode(204)
  @ApiOperation({ summary: 'Sign out every session of the current user' })
  invalidate(@Auth() auth: AuthContext): Promise<void> {
    return this.auth.invalidateAll(auth);
  }
}
