import { Injectable, PipeTransform } from '@nestjs/common';
import { InvalidInputError } from './errors';

const MAX_ID = 2_147_483_647;

/** Path ids are positive 32-bit integers; anything else is a 400, never a database error. */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    if (!/^\d{1,10}$/.test(value) || Number(value) < 1 || Number(value) > MAX_ID) {
      throw new InvalidInputError(`"${value.slice(0, 40)}" is not a valid id (a positive integer is expected)`);
    }
    return Number(value);
  }
}
