import { NextFunction, Request, Response } from 'express';
import { Histogram } from 'prom-client';
import { routeTemplate } from '../common/route-template';

export const HTTP_DURATION_METRIC = 'http_request_duration_seconds';

export const HTTP_DURATION_METRIC_OPTIONS = {
  name: HTTP_DURATION_METRIC,
  help: 'HTTP request duration in seconds, by method, route template and status',
  labelNames: ['method', 'route', 'status_code'],
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
};

/** Times every request; labels with the route template (never the raw path, which has ids). */
export function httpMetricsMiddleware(histogram: Histogram<string>) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const stop = histogram.startTimer();
    response.on('finish', () => {
      stop({
        method: request.method,
        route: routeTemplate(request),
        status_code: String(response.statusCode),
      });
    });
    next();
  };
}
