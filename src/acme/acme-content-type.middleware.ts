import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AcmeProblem } from './acme-problem';

const JOSE_JSON = 'application/jose+json';

/** RFC 8555 6.2: a POST to an ACME server that is not application/jose+json is a 415. */
@Injectable()
export class AcmeContentTypeMiddleware implements NestMiddleware {
  use(request: Request, _response: Response, next: NextFunction): void {
    const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (request.method === 'POST' && type !== JOSE_JSON) {
      throw new AcmeProblem('malformed', `The Content-Type of an ACME request must be ${JOSE_JSON}`, {
        status: 415,
      });
    }
    next();
  }
}
