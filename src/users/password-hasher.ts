import { Injectable, OnModuleInit } from '@nestjs/common';
import * as bcrypt from 'bcrypt';
import { AppConfig } from '../config/app-config';
import { InvalidInputError } from '../common/errors';

export const MIN_PASSWORD_LENGTH = 8;
/** bcrypt reads at most 72 bytes; longer passwords would be silently truncated. */
export const MAX_PASSWORD_BYTES = 72;

/** bcrypt in libuv's thread pool (the async API), never on the event loop. */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  private dummyHash = '';

  constructor(private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    this.dummyHash = await bcrypt.hash('not-a-real-password', this.config.bcryptRounds);
  }

  async hash(password: string): Promise<string> {
    assertAcceptablePassword(password);
    return bcrypt.hash(password, this.config.bcryptRounds);
  }

  async matches(password: string, hash: string): Promise<boolean> {
    return bcrypt.compare(password, hash);
  }

  /** Spends the same time as a real comparison, so unknown usernames cannot be told apart by timing. */
  async burnComparison(password: string): Promise<false> {
    await bcrypt.compare(password, this.dummyHash);
    return false;
  }
}

export function assertAcceptablePassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new InvalidInputError(`password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
    throw new InvalidInputError(`password must be at most ${MAX_PASSWORD_BYTES} bytes`);
  }
}
