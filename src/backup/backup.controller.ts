import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { once } from 'node:events';
import { Auth, AuthContext } from '../common/request-context';
import { BackupService } from './backup.service';
import { CreateBackupDto } from './dto/create-backup.dto';

@ApiTags('system')
@ApiBearerAuth()
@Controller('system')
export class BackupController {
  constructor(private readonly backups: BackupService) {}

  @Post('backup')
  @HttpCode(200)
  @ApiProduces('application/x-ndjson')
  @ApiOperation({
    summary:
      'A consistent backup of the whole database as JSON lines (superusers; audited). `npm run cli -- backup` calls it.',
  })
  async backup(
    @Auth() auth: AuthContext,
    @Body() dto: CreateBackupDto,
    @Res() response: Response,
  ): Promise<void> {
    try {
      await this.backups.backup(auth, dto, (text) => writeToResponse(response, text));
      response.end();
    } catch (error) {
      // Before the first line the exception filter answers; after it, a cut stream is what the client sees
      // (the backup has no end marker, so the CLI and restore refuse it).
      if (!response.headersSent) throw error;
      response.destroy();
    }
  }
}

async function writeToResponse(response: Response, text: string): Promise<void> {
  if (!response.headersSent) {
    response.status(200).set({
      'Content-Type': 'application/x-ndjson; charset=utf-8',
      'Content-Disposition': 'attachment; filename="private-ca-backup.jsonl"',
      'Cache-Control': 'no-store',
      Pragma: 'no-cache',
    });
  }
  if (!response.write(text)) await once(response, 'drain');
}
