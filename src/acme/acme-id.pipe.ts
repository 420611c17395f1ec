import { Injectable, PipeTransform } from '@nestjs/common';
import { MAX_INT4 } from '../common/integer-limits';
import { AcmeProblem } from './acme-problem';

/** The id of an ACME resource URL; anything else is a 404 problem (no such resource). */
@Injectable()
export class AcmeIdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    if (!/^[1-9][0-9]{0,9}$/.test(value) || Number(value) > MAX_INT4) {
      throw new AcmeProblem('malformed', `No ACME resource with id ${JSON.stringify(value)}`, {
        status: 404,
      });
    }
    return Number(value);
  }
}
