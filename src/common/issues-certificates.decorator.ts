import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiErrors } from './api-responses.decorator';

export const ISSUES_CERTIFICATES = 'issues-certificates';

/** Marks a route that issues a certificate: API keys are counted against API_KEY_ISSUE_RATE_LIMIT on it. */
export const IssuesCertificates = () =>
  applyDecorators(
    SetMetadata(ISSUES_CERTIFICATES, true),
    ApiErrors([
      429,
      'An API key over its issuance limit (API_KEY_ISSUE_RATE_LIMIT); retry after Retry-After',
    ]),
  );
