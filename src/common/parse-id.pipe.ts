import { Injectable, PipeTransform } from '@nestjs/common';
import { InvalidInputError } from './errors';
import { MAX_INT4 } from './integer-limits';

/** Only the canonical decimal form is an id: "5e0", "+5", " 5", "5.0" and "05" are not user 5. */
const CANONICAL_ID = /^[1-9][0-9]{0,9}$/;

/**
 * Path ids are positive 32-bit integers written canonically; anything else is a 400, never a
 * database error. The global pipe leaves path parameters as text, so this sees what the client sent.
 */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    const id = typeof value === 'string' && CANONICAL_ID.test(value) ? Number(value) : Number.NaN;
    if (!(id <= MAX_INT4)) throw new InvalidInputError('The id in the path must be a positive integer');
    return id;
  }
}
