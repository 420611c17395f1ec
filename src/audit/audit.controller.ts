import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-responses.decorator';
import { Auth, AuthContext } from '../common/request-context';
import { AuditService } from './audit.service';
import { AuditLogQueryDto } from './dto/audit-log-query.dto';
import { AuditLogResponseDto } from './dto/audit-log-response.dto';

@ApiTags('audit-logs')
@Controller('audit-logs')
export class AuditController {
  constructor(private readonly auditService: AuditService) {}

  @Get()
  @ApiOperation({ summary: 'Query audit logs, newest first (admins: own organization; superusers: all)' })
  @ApiOkResponse({ type: AuditLogResponseDto, isArray: true })
  @ApiErrors(400, 401, 403)
  list(@Auth() auth: AuthContext, @Query() query: AuditLogQueryDto): Promise<AuditLogResponseDto[]> {
    return this.auditService.search(auth.user, query);
  }
}
