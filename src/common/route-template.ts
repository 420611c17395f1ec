import { Request } from 'express';

/** Nest mounts middleware for every route as a catch-all express route: matching it is no match. */
const CATCH_ALL = /\{\*\w+\}/;

/** The matched route pattern (`/api/v1/certificates/:id`), never the raw path with its ids. */
export function routeTemplate(request: Request): string {
  const path = request.route ? String(request.route.path) : '';
  return path && !CATCH_ALL.test(path) ? `${request.baseUrl}${path}` : 'unmatched';
}
