import { Injectable, PipeTransform } from '@nestjs/common';
import { InvalidInputError } from '../common/errors';

const KEY_ID = /^[0-9a-f]{16}$/;

/** A key id in the path is the 16 hex digits after `pkca_`; anything else is a 400. */
@Injectable()
export class KeyIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || !KEY_ID.test(value)) {
      throw new InvalidInputError('The key id in the path must be the 16 hex digits after "pkca_"');
    }
    return value;
  }
}
