import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppConfig } from '../config/app-config';
import { AcmeProblem, ProblemDocument } from './acme-problem';
import { AcmeServer } from './acme-profiles';
import { AcmeResponse } from './acme-response';
import { AcmeNonces } from './nonces/acme-nonces';

export const PROBLEM_JSON = 'application/problem+json';

/**
 * Writes ACME answers: every one with a fresh Replay-Nonce (RFC 8555 6.5), `Link: <directory>;rel="index"`
 * (7.1) and Cache-Control: no-store; resources as JSON, problems as application/problem+json.
 */
@Injectable()
export class AcmeResponses {
  constructor(
    private readonly nonces: AcmeNonces,
    private readonly config: AppConfig,
  ) {}

  async send(res: Response, server: AcmeServer, answer: AcmeResponse): Promise<void> {
    await this.setCommonHeaders(res, server.urls.directory);
    const links = (answer.links ?? []).map(({ url, rel }) => `<${url}>;rel="${rel}"`);
    if (links.length > 0) res.append('Link', links);
    if (answer.location) res.setHeader('Location', answer.location);
    if (answer.retryAfterSeconds !== undefined)
      res.setHeader('Retry-After', String(answer.retryAfterSeconds));
    res.status(answer.status);
    if (answer.body === undefined) {
      res.end();
    } else if (answer.contentType) {
      res.type(answer.contentType).send(answer.body);
    } else {
      res.type('application/json').send(JSON.stringify(answer.body));
    }
  }

  /** A problem for a request to `/acme/{slug}/…`, whatever failed (the profile may not even exist). */
  async sendProblem(req: Request, res: Response, problem: ProblemDocument): Promise<void> {
    const slug = acmeSlugOf(req.path);
    const directory =
      slug === null ? null : `${this.config.publicBaseUrl}/acme/${encodeURIComponent(slug)}/directory`;
    try {
      await this.setCommonHeaders(res, directory);
    } catch {
      // No nonce when the database is down: the problem still goes out.
    }
    res.status(problem.status).type(PROBLEM_JSON).send(JSON.stringify(problem));
  }

  notFound(req: Request): AcmeProblem {
    return new AcmeProblem('malformed', `No ACME resource at ${req.path}`, { status: 404 });
  }

  private async setCommonHeaders(res: Response, directory: string | null): Promise<void> {
    res.setHeader('Cache-Control', 'no-store');
    if (directory) res.append('Link', `<${directory}>;rel="index"`);
    res.setHeader('Replay-Nonce', await this.nonces.issue());
  }
}

/** The profile slug of an ACME path, decoded; null for other paths. */
export function acmeSlugOf(path: string): string | null {
  const match = /^\/acme\/([^/]+)(?:\/|$)/.exec(path);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}
