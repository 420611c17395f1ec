import { SetMetadata } from '@nestjs/common';

export const ISSUES_CERTIFICATES = 'issues-certificates';

/** Marks a route that issues a certificate: API keys are counted against API_KEY_ISSUE_RATE_LIMIT on it. */
export const IssuesCertificates = () => SetMetadata(ISSUES_CERTIFICATES, true);
