import {
  applyDecorators,
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  UseInterceptors,
} from '@nestjs/common';

import type { Response } from 'express';
import { Observable, tap } from 'rxjs';

/** An issuing route's answer: whether the notAfter was clamped, and the notAfter it got. */
interface ClampReport {
  validity_clamped?: unknown;
  not_after?: unknown;
}

/**
 * RFC 9111 §5.5 (Warning, 299 "miscellaneous persistent warning") on an issuing response whose
 * certificate was shortened to end with its issuer's: the client that asked for more learns it
 * without reading the body.
 */
@Injectable()
export class ValidityClampWarningInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      tap((body: ClampReport | null | undefined) => {
        if (!body || body.validity_clamped !== true || !body.not_after) return;
        const notAfter = new Date(body.not_after as string | Date).toISOString();
        context
          .switchToHttp()
          .getResponse<Response>()
          .setHeader('Warning', `299 - "notAfter clamped to the issuer's notAfter ${notAfter}"`);
      }),
    );
  }
}

/** For the routes that issue: validity_clamped in the body, and the Warning header when it is true. */
export const WarnsOfValidityClamp = () => applyDecorators(UseInterceptors(ValidityClampWarningInterceptor));

/** The header as documented on the success response of an issuing route. */
export const CLAMP_WARNING_HEADER = {
  Warning: {
    description: `299 - "notAfter clamped to the issuer's notAfter <ISO 8601>", when validity_clamped is true`,
    schema: { type: 'string' },
  },
};
