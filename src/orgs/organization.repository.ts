import { Injectable } from '@nestjs/common';
import { Actor } from '../access/policy';
import { listScopeCondition } from '../access/list-scope';
import { violatedConstraint } from '../common/database-errors';
import { ConflictError, InvalidInputError, NotFoundError } from '../common/errors';
import { entityManagerOf, Transaction, Transactions } from '../database/transactions';
import { Organization } from './organization.entity';

/** The only code that reads and writes the organizations table. */
@Injectable()
export class OrganizationRepository {
  constructor(private readonly transactions: Transactions) {}

  /** The organisations the actor may see (the policy's read rule as SQL), by id. */
  list(actor: Actor, tx: Transaction = this.transactions.none): Promise<Organization[]> {
    const scope = listScopeCondition(actor, 'owned', { organization: 'org.id' });
    return entityManagerOf(tx)
      .createQueryBuilder(Organization, 'org')
      .where(scope.sql, scope.params)
      .orderBy('org.id', 'ASC')
      .getMany();
  }

  /** The organisation, or a 404; `lock` holds it (FOR UPDATE) until the transaction ends. */
  async findOrFail(tx: Transaction, id: number, options: { lock?: boolean } = {}): Promise<Organization> {
    const query = entityManagerOf(tx).createQueryBuilder(Organization, 'org').where('org.id = :id', { id });
    if (options.lock) query.setLock('pessimistic_write');
    const organization = await query.getOne();
    if (!organization) throw new NotFoundError(`Organization ${id} not found`);
    return organization;
  }

  /** Inserts the organisation; a taken name is a 400. */
  async create(tx: Transaction, fields: Pick<Organization, 'name' | 'description'>): Promise<Organization> {
    const organization = entityManagerOf(tx).create(Organization, fields);
    await this.saveUniqueName(tx, organization);
    return organization;
  }

  /** Writes the organisation's changed columns; a taken name is a 400. */
  async update(tx: Transaction, organization: Organization): Promise<Organization> {
    await this.saveUniqueName(tx, organization);
    return organization;
  }

  /** Deletes the organisation; one that still owns CAs, certificates or requests is a 409. */
  async delete(tx: Transaction, id: number): Promise<void> {
    try {
      await entityManagerOf(tx).delete(Organization, { id });
    } catch (error) {
      if (violatedConstraint(error)?.kind === 'foreign_key') {
        throw new ConflictError(
          'Organization still owns resources (CAs, certificates or certificate requests); delete them first',
        );
      }
      throw error;
    }
  }

  private async saveUniqueName(tx: Transaction, organization: Organization): Promise<void> {
    const manager = entityManagerOf(tx);
    const clash = await manager
      .createQueryBuilder(Organization, 'org')
      .where('org.name = :name', { name: organization.name })
      .andWhere(organization.id ? 'org.id <> :id' : 'TRUE', { id: organization.id })
      .getExists();
    if (clash) throw new InvalidInputError(`Organization name "${organization.name}" already exists`);
    try {
      await manager.save(organization);
    } catch (error) {
      if (violatedConstraint(error)?.kind === 'unique') {
        throw new InvalidInputError(`Organization name "${organization.name}" already exists`);
      }
      throw error;
    }
  }
}
