import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, AuthContext } from '../common/request-context';
import { AuditService } from './audit.service';
import { AuditLogQueryDto } from './dto/audit-log-query.dto';
import { AuditLogResponseDto } from './dto/audit-log-response.dto';

@ApiTags('audit-logs')
@ApiBearerAuth()
@Controller('audit-logs')
export class AuditController {
  constructor(private readonly auditService: AuditService) {}

  @Get()
  @ApiOperation({ summary: 'Query audit logs, newest first (admins: own organization; superusers: all)' })
  list(@Auth() auth: AuthContext, @Query() query: AuditLogQueryDto): Promise<AuditLogResponseDto[]> {
    return this.auditService.query(auth.user, query);
  }
}
