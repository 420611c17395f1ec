import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-responses.decorator';
import { JsonObject } from '../common/json';
import { Auth, AuthContext } from '../common/request-context';
import { ConfigViewService } from './config-view.service';

@ApiTags('system')
@Controller('config')
export class ConfigController {
  constructor(private readonly configView: ConfigViewService) {}

  @Get()
  @ApiOperation({ summary: 'The running configuration without secrets (superusers only)' })
  @ApiOkResponse({
    description: 'Setting names as in the README table; secrets only as "configured" or "generated"',
    schema: { type: 'object', additionalProperties: true },
  })
  @ApiErrors(401, 403)
  show(@Auth() auth: AuthContext): JsonObject {
    return this.configView.show(auth.user);
  }
}
