import { Injectable } from '@nestjs/common';
import { Gauge, register } from 'prom-client';
import { AcmeOrderRepository } from './acme-order.repository';

const ORDER_STATUSES = ['pending', 'ready', 'processing', 'valid', 'invalid'] as const;

/**
 * acme_orders{status}: read from the database at scrape time rather than counted as transitions, since
 * expiry is decided when an order is read (a counter would miss orders nobody reads again) and every
 * instance changes the same rows (cluster workers' counters would each see only their share).
 */
@Injectable()
export class AcmeOrderGauge {
  constructor(orders: AcmeOrderRepository) {
    if (register.getSingleMetric('acme_orders')) register.removeSingleMetric('acme_orders');
    new Gauge({
      name: 'acme_orders',
      help: 'ACME orders by status (an open order past its expiry counts as invalid)',
      labelNames: ['status'],
      // Every worker of cluster mode reads the same database: merged, they must not add up.
      aggregator: 'first',
      async collect() {
        const counts = await orders.statusCounts();
        this.reset();
        for (const status of ORDER_STATUSES) {
          this.set({ status }, counts.find((row) => row.status === status)?.count ?? 0);
        }
      },
    });
  }
}
