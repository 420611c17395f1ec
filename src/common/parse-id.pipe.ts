import { Injectable, PipeTransform } from '@nestjs/common';
import { InvalidInputError } from './errors';

const MAX_ID = 2_147_483_647;

/**
 * Path ids are positive 32-bit integers; anything else is a 400, never a database error. The
 * global ValidationPipe (transform: true) runs first and has usually turned the text into a
 * number already ("abc" arrives as NaN), so both forms are checked.
 */
@Injectable()
export class ParseIdPipe implements PipeTransform<string | number, number> {
  transform(value: string | number): number {
    const id = typeof value === 'number' ? value : /^\d{1,10}$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isInteger(id) || id < 1 || id > MAX_ID) {
      throw new InvalidInputError('The id in the path must be a positive integer');
    }
    return id;
  }
}
