import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { Public } from '../common/public.decorator';
import { StatusResponseDto } from './status-response.dto';
import { StatusService } from './status.service';

@ApiTags('system')
@Controller()
export class StatusController {
  constructor(private readonly statusService: StatusService) {}

  @Public()
  @Get('status')
  @ApiOperation({ summary: 'Whether a first user exists, the version, and database health (503 when down)' })
  @ApiOkResponse({ type: StatusResponseDto })
  @ApiServiceUnavailableResponse({ type: StatusResponseDto, description: 'The database is unreachable' })
  async status(@Res({ passthrough: true }) response: Response): Promise<StatusResponseDto> {
    const status = await this.statusService.status();
    if (status.database !== 'ok') response.status(503);
    return status;
  }
}
