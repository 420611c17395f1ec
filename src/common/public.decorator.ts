import { SetMetadata } from '@nestjs/common';

export const AUTH_MODE = 'authMode';

/** Opts a route out of the global token check. Every use is listed in the public-routes spec. */
export const Public = () => SetMetadata(AUTH_MODE, 'public');

/** A token is checked when one is presented, but the route also serves anonymous callers. */
export const OptionalAuth = () => SetMetadata(AUTH_MODE, 'optional');
