import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ProtocolErrorWriter } from '../common/api-exception.filter';
import { toProblemDocument } from './acme-problems';
import { acmeSlugOf, AcmeResponses } from './acme-responses';

/**
 * Errors under /acme/ — from the JWS checks, the services, or the body parser before any route — are
 * problem documents with a fresh nonce, so that clients retry a badNonce and read every refusal.
 */
@Injectable()
export class AcmeErrorWriter implements ProtocolErrorWriter {
  constructor(private readonly responses: AcmeResponses) {}

  handles(request: Request): boolean {
    return acmeSlugOf(request.path) !== null;
  }

  async write(exception: unknown, request: Request, response: Response): Promise<boolean> {
    const { problem, unexpected, headers } = toProblemDocument(exception);
    response.set(headers);
    await this.responses.sendProblem(request, response, problem);
    return unexpected;
  }
}
