import { Injectable, PipeTransform } from '@nestjs/common';
import { InvalidInputError } from '../../common/errors';

export const EAB_KID_PREFIX = 'eab_';
const EAB_KID = /^eab_[0-9a-f]{24}$/;

/** An EAB key id in the path is `eab_` and 24 hex digits; anything else is a 400. */
@Injectable()
export class EabKidPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || !EAB_KID.test(value)) {
      throw new InvalidInputError('The EAB key id in the path must be "eab_" and 24 hex digits');
    }
    return value;
  }
}
