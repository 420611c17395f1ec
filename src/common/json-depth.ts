import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { InvalidInputError } from './errors';

/** No request body of this API nests deeper; validation recurses, so deeper bodies could overflow the stack. */
export const MAX_JSON_DEPTH = 32;

/** True when `value` nests objects or arrays more than `limit` levels deep (checked without recursion). */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop() as [unknown, number];
    if (typeof current !== 'object' || current === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(current)) pending.push([child, depth + 1]);
  }
  return false;
}

/** Refuses over-nested parsed bodies with a 400 before they reach validation. */
export function jsonDepthLimit(limit = MAX_JSON_DEPTH): RequestHandler {
  return (request: Request, _response: Response, next: NextFunction) => {
    next(
      nestsDeeperThan(request.body, limit)
        ? new InvalidInputError(`The request body nests deeper than ${limit} levels`)
        : undefined,
    );
  };
}
