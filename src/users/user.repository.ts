import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { violatedConstraint } from '../common/database-errors';
import { InvalidInputError, NotFoundError } from '../common/errors';
import { PreparedStatement, queryPrepared } from '../database/prepared-statement';
import { entityManagerOf, Transaction, Transactions } from '../database/transactions';
import { User } from './user.entity';

/** Serialises first-user bootstrap so two anonymous sign-ups cannot both become the first. */
const FIRST_USER_LOCK = 7_240_001;

/**
 * A boolean SQL expression over another module's tables, evaluated in the same statement as a
 * user row. `$1` is the user's id; the expression's own placeholders start at `$2`, in `params`
 * order. Its text must not vary under one `name` (it becomes part of a prepared statement).
 */
export interface SqlFlag {
  readonly name: string;
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** The columns a new user is created with; the database fills in id and timestamps. */
export type NewUser = Pick<
  User,
  | 'kind'
  | 'username'
  | 'email'
  | 'hashedPassword'
  | 'role'
  | 'isActive'
  | 'organizationId'
  | 'canCreateCa'
  | 'canCreateCert'
  | 'canRevokeCert'
  | 'canExportPrivateKey'
  | 'canDeleteCa'
  | 'canRequestCert'
>;

export interface FindUserOptions {
  /** SELECT … FOR UPDATE: held until the caller's transaction ends. */
  lock?: boolean;
  /** Also load the password hash (never selected otherwise). */
  withPassword?: boolean;
}

/** The only code that reads and writes the users table. */
@Injectable()
export class UserRepository {
  private readonly flaggedStatements = new Map<string, PreparedStatement>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly transactions: Transactions,
  ) {}

  /** Held until the transaction ends: first-user bootstrap decisions are taken one at a time. */
  async lockFirstUserBootstrap(tx: Transaction): Promise<void> {
    await entityManagerOf(tx).query('SELECT pg_advisory_xact_lock($1)', [FIRST_USER_LOCK]);
  }

  async hasAny(tx: Transaction): Promise<boolean> {
    const rows: { exists: boolean }[] = await entityManagerOf(tx).query(
      'SELECT EXISTS (SELECT 1 FROM users) AS exists',
    );
    return rows[0]?.exists === true;
  }

  /** Inserts the user; a taken username or email, or a missing organisation, is a 400. */
  async create(tx: Transaction, fields: NewUser): Promise<User> {
    const manager = entityManagerOf(tx);
    const user = manager.create(User, fields);
    await this.saveUnique(tx, user);
    return user;
  }

  /** Writes the user's changed columns, with the same error mapping as create. */
  async update(tx: Transaction, user: User): Promise<User> {
    await this.saveUnique(tx, user);
    return user;
  }

  async delete(tx: Transaction, id: number): Promise<void> {
    await entityManagerOf(tx).delete(User, { id });
  }

  /** People; service accounts are listed by their own module. */
  list(page: { skip: number; limit: number }, tx: Transaction = this.transactions.none): Promise<User[]> {
    return entityManagerOf(tx).find(User, {
      where: { kind: 'person' },
      order: { id: 'ASC' },
      skip: page.skip,
      take: page.limit,
    });
  }

  /** For sign-in: the user with its password hash, or null. */
  findByUsernameWithPassword(
    username: string,
    tx: Transaction = this.transactions.none,
  ): Promise<User | null> {
    return entityManagerOf(tx)
      .createQueryBuilder(User, 'user')
      .addSelect('user.hashedPassword')
      .where('user.username = :username', { username })
      .andWhere("user.kind = 'person'") // service accounts have no password to sign in with
      .getOne();
  }

  findById(tx: Transaction, id: number): Promise<User | null> {
    return entityManagerOf(tx).findOneBy(User, { id, kind: 'person' });
  }

  /** The person, or a 404 (a service account's principal is not a user of the users routes). */
  async findOrFail(tx: Transaction, id: number, options: FindUserOptions = {}): Promise<User> {
    const query = entityManagerOf(tx)
      .createQueryBuilder(User, 'user')
      .where('user.id = :id', { id })
      .andWhere("user.kind = 'person'");
    if (options.withPassword) query.addSelect('user.hashedPassword');
    if (options.lock) query.setLock('pessimistic_write');
    const user = await query.getOne();
    if (!user) throw new NotFoundError(`User ${id} not found`);
    return user;
  }

  listByOrganization(organizationId: number, tx: Transaction = this.transactions.none): Promise<User[]> {
    return entityManagerOf(tx).find(User, {
      where: { organizationId, kind: 'person' },
      order: { id: 'ASC' },
    });
  }

  countByOrganization(tx: Transaction, organizationId: number): Promise<number> {
    return entityManagerOf(tx).countBy(User, { organizationId });
  }

  async setOrganization(tx: Transaction, user: User, organizationId: number | null): Promise<User> {
    user.organizationId = organizationId;
    return entityManagerOf(tx).save(user);
  }

  async setTokensValidAfter(tx: Transaction, userId: number, instant: Date): Promise<void> {
    await entityManagerOf(tx).update(User, { id: userId }, { tokensValidAfter: instant });
  }

  /**
   * The user and another module's flag about it (for access tokens: "is this token or its session
   * revoked", from the auth module) in ONE statement, one round trip, named so PostgreSQL plans it
   * once per connection. This runs on every authenticated request and was measured: keep it one
   * statement. It skips the query builder, built once per flag from the entity metadata.
   * Null when no user has the id.
   */
  async findWithFlag(userId: number, flag: SqlFlag): Promise<{ user: User; flag: boolean } | null> {
    const [row] = await queryPrepared<Record<string, unknown>>(
      this.dataSource.manager,
      this.flaggedStatement(flag),
      [userId, ...flag.params],
    );
    return row ? { user: this.userFromRow(row), flag: row.flag === true } : null;
  }

  private flaggedStatement(flag: SqlFlag): PreparedStatement {
    let statement = this.flaggedStatements.get(flag.name);
    if (statement === undefined) {
      const columns = this.selectableColumns().map((column) => `u."${column.databaseName}"`);
      statement = {
        name: `user_with_${flag.name}`,
        text: `SELECT ${columns.join(', ')}, ${flag.sql} AS flag FROM users u WHERE u.id = $1`,
      };
      this.flaggedStatements.set(flag.name, statement);
    }
    return statement;
  }

  private userFromRow(row: Record<string, unknown>): User {
    const user = new User();
    for (const column of this.selectableColumns()) {
      column.setEntityValue(
        user,
        this.dataSource.driver.prepareHydratedValue(row[column.databaseName], column),
      );
    }
    return user;
  }

  private selectableColumns(): ColumnMetadata[] {
    return this.dataSource.getMetadata(User).columns.filter((column) => column.isSelect);
  }

  findPrincipal(id: number): Promise<User | null> {
    return entityManagerOf(this.transactions.none).findOneBy(User, { id });
  }

  /** Service accounts' principal rows, of one organisation or (null) of all. */
  listServiceAccounts(
    organizationId: number | null,
    tx: Transaction = this.transactions.none,
  ): Promise<User[]> {
    return entityManagerOf(tx).find(User, {
      where: { kind: 'service_account', ...(organizationId !== null && { organizationId }) },
      order: { id: 'ASC' },
    });
  }

  /** A service account's principal row (any state), or null. */
  findServiceAccount(tx: Transaction, id: number, options: { lock?: boolean } = {}): Promise<User | null> {
    const query = entityManagerOf(tx)
      .createQueryBuilder(User, 'user')
      .where('user.id = :id', { id })
      .andWhere("user.kind = 'service_account'");
    if (options.lock) query.setLock('pessimistic_write');
    return query.getOne();
  }

  private async saveUnique(tx: Transaction, user: User): Promise<void> {
    const manager = entityManagerOf(tx);
    const clash = await manager
      .createQueryBuilder(User, 'user')
      .where(
        user.kind === 'service_account'
          ? "user.kind = 'service_account' AND user.organization_id = :organizationId AND user.username = :username"
          : "user.kind = 'person' AND (user.username = :username OR lower(user.email) = lower(:email))",
        user,
      )
      .andWhere(user.id ? 'user.id <> :id' : 'TRUE', { id: user.id })
      .getOne();
    if (clash) {
      throw new InvalidInputError(
        user.kind === 'service_account'
          ? `A service account named "${user.username}" already exists in organization ${user.organizationId}`
          : clash.username === user.username
            ? `Username "${user.username}" already exists`
            : `Email "${user.email}" already exists`,
      );
    }
    try {
      await manager.save(user);
    } catch (error) {
      const violation = violatedConstraint(error);
      if (violation?.kind === 'foreign_key') {
        throw new InvalidInputError(`Organization ${user.organizationId} does not exist`);
      }
      if (violation?.kind === 'unique') throw new InvalidInputError('Username or email already exists');
      throw error;
    }
  }
}
