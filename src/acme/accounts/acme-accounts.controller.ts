import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { errorExample } from '../../common/api-examples';
import { ApiErrors } from '../../common/api-responses.decorator';
import { ParseIdPipe } from '../../common/parse-id.pipe';
import { Auth, AuthContext } from '../../common/request-context';
import { AcmeAccountAdministrationService } from './acme-account-administration.service';
import { AcmeAccountQueryDto, AcmeAccountResponseDto } from './dto/acme-account.dto';

const ACCOUNT_PARAM = ApiParam({
  name: 'account_id',
  type: 'integer',
  description: 'The ACME account (ACME clients create them; its URL ends with this id)',
  examples: { unknown: errorExample(404, 'no ACME account has this id', 999) },
});

@ApiTags('ACME')
@Controller('acme-accounts')
export class AcmeAccountsController {
  constructor(private readonly accounts: AcmeAccountAdministrationService) {}

  @Get()
  @ApiOperation({
    summary: "List ACME accounts (an organization admin: its profiles' accounts; superusers: all)",
  })
  @ApiOkResponse({ type: AcmeAccountResponseDto, isArray: true })
  @ApiErrors(400, 401, 403, 404)
  list(@Auth() auth: AuthContext, @Query() query: AcmeAccountQueryDto): Promise<AcmeAccountResponseDto[]> {
    return this.accounts.list(auth.user, query);
  }

  @Get(':account_id')
  @ApiOperation({ summary: 'Get an ACME account' })
  @ACCOUNT_PARAM
  @ApiOkResponse({ type: AcmeAccountResponseDto })
  @ApiErrors(400, 401, 403, 404)
  get(
    @Auth() auth: AuthContext,
    @Param('account_id', ParseIdPipe) id: number,
  ): Promise<AcmeAccountResponseDto> {
    return this.accounts.get(auth.user, id);
  }

  @Post(':account_id/deactivate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Deactivate an ACME account: final, its key is refused from the next request on',
    description: 'RFC 8555 7.3.6, done by an administrator; an account deactivated already stays as it is.',
  })
  @ACCOUNT_PARAM
  @ApiOkResponse({ type: AcmeAccountResponseDto })
  @ApiErrors(400, 401, 403, 404)
  deactivate(
    @Auth() auth: AuthContext,
    @Param('account_id', ParseIdPipe) id: number,
  ): Promise<AcmeAccountResponseDto> {
    return this.accounts.deactivate(auth, id);
  }
}
