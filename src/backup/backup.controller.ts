import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiFileResponse } from '../common/api-responses.decorator';
import { Response } from 'express';
import { once } from 'node:events';
import { Auth, AuthContext } from '../common/request-context';
import { BackupService } from './backup.service';
import { CreateBackupDto } from './dto/create-backup.dto';

@ApiTags('system')
@Controller('system')
export class BackupController {
  constructor(private readonly backups: BackupService) {}

  @Post('backup')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'A consistent backup of the whole database as JSON lines (superusers; audited). `npm run cli -- backup` calls it.',
  })
  @ApiBody({
    type: CreateBackupDto,
    examples: {
      'with key': {
        summary: 'With the key-encryption key, sealed by a passphrase',
        value: { include_kek: true, passphrase: 'a long passphrase kept apart from the backup' },
      },
    },
  })
  @ApiFileResponse('The backup, one JSON object per line, as an attachment', {
    'application/x-ndjson': 'text',
  })
  @ApiErrors([400, 'Invalid input, or include_kek without a passphrase'], 401, 403)
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
