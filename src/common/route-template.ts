import { Request } from 'express';

/** The matched route pattern (`/api/v1/certificates/:id`), never the raw path with its ids. */
export function routeTemplate(request: Request): string {
  return request.route ? `${request.baseUrl}${String(request.route.path)}` : 'unmatched';
}
