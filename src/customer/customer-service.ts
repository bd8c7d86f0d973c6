// Customers: CRUD over the store's record collection 'customers', and their resolution for usage
// queries (which subjects a customer filter reads, which customer each subject groups under) and
// for customer-bound keys. The planner reads only what this resolves (UsageQuery.customers).
import { ulid } from 'ulid';
import {
  ConflictError,
  ForbiddenError,
  type Issue,
  NotFoundError,
  ValidationError,
} from '../errors/domain-errors.js';
import type { CustomerScope } from '../query/usage-query.js';
import type { RecordRepo } from '../store/ports.js';
import type { Customer, CustomerInput } from './customer.js';

const COLLECTION = 'customers';

/** Most subjects a query may map to customers: each is a value in the query's SQL. */
export const MAX_ATTRIBUTED_SUBJECTS = 10_000;

export interface CustomerListOptions {
  includeDeleted?: boolean | undefined;
  key?: string | undefined;
  name?: string | undefined;
  primaryEmail?: string | undefined;
  subject?: string | undefined;
  orderBy: 'id' | 'name' | 'createdAt';
  order: 'ASC' | 'DESC';
  page: number;
  pageSize: number;
}

export interface CustomerPage {
  totalCount: number;
  page: number;
  pageSize: number;
  items: Customer[];
}

const contains = (text: string | undefined, part: string | undefined) =>
  part === undefined || (text ?? '').toLowerCase().includes(part.toLowerCase());

export class CustomerService {
  /** Writes of this process, one at a time: the key and subject checks see every earlier write. */
  private writes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly repo: RecordRepo,
    private readonly now: () => number = Date.now,
  ) {}

  private async all(accountId: string): Promise<Customer[]> {
    const records = await this.repo.listRecords(COLLECTION, accountId);
    return records.map((r) => JSON.parse(r.body) as Customer);
  }

  /** Live (not deleted) customers of the account. */
  async live(accountId: string): Promise<Customer[]> {
    return (await this.all(accountId)).filter((c) => c.deletedAt === undefined);
  }

  async list(accountId: string, o: CustomerListOptions): Promise<CustomerPage> {
    const matching = (await this.all(accountId)).filter(
      (c) =>
        (o.includeDeleted || c.deletedAt === undefined) &&
        contains(c.key, o.key) &&
        contains(c.name, o.name) &&
        contains(c.primaryEmail, o.primaryEmail) &&
        (o.subject === undefined || c.subjectKeys.some((s) => contains(s, o.subject))),
    );
    const field = o.orderBy;
    const sign = o.order === 'DESC' ? -1 : 1;
    // Ties (equal names or instants) keep id order, so pages never overlap.
    matching.sort((a, b) => {
      const x = a[field];
      const y = b[field];
      return sign * (x < y ? -1 : x > y ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    });
    const start = (o.page - 1) * o.pageSize;
    return {
      totalCount: matching.length,
      page: o.page,
      pageSize: o.pageSize,
      items: matching.slice(start, start + o.pageSize),
    };
  }

  /**
   * By id (deleted customers included, showing deletedAt), else by the key of a live customer,
   * else by the key of a deleted one (the most recently deleted).
   */
  async get(accountId: string, idOrKey: string): Promise<Customer> {
    const byId = await this.repo.getRecord(COLLECTION, accountId, idOrKey);
    if (byId) return JSON.parse(byId.body) as Customer;
    const withKey = (await this.all(accountId)).filter((c) => c.key === idOrKey);
    const found =
      withKey.find((c) => c.deletedAt === undefined) ??
      withKey.sort((a, b) => ((a.deletedAt ?? '') < (b.deletedAt ?? '') ? 1 : -1))[0];
    if (!found) throw new NotFoundError(`customer "${idOrKey}" not found`);
    return found;
  }

  create(accountId: string, input: CustomerInput): Promise<Customer> {
    return this.serialised(async () => {
      const at = new Date(this.now()).toISOString();
      const customer = fromInput(input, { id: ulid(), createdAt: at, updatedAt: at });
      await this.checkUnique(accountId, customer);
      await this.put(accountId, customer);
      return customer;
    });
  }

  /** Replaces the customer whole (PUT), keeping its id and creation time. */
  replace(accountId: string, idOrKey: string, input: CustomerInput): Promise<Customer> {
    return this.serialised(async () => {
      const old = await this.getLive(accountId, idOrKey);
      const customer = fromInput(input, {
        id: old.id,
        createdAt: old.createdAt,
        updatedAt: new Date(this.now()).toISOString(),
      });
      await this.checkUnique(accountId, customer);
      await this.put(accountId, customer);
      return customer;
    });
  }

  /** Sets deletedAt: the customer stays readable by id, but no longer filters, groups or binds. */
  delete(accountId: string, idOrKey: string): Promise<Customer> {
    return this.serialised(async () => {
      const old = await this.getLive(accountId, idOrKey);
      const at = new Date(this.now()).toISOString();
      const customer: Customer = { ...old, updatedAt: at, deletedAt: at };
      await this.put(accountId, customer);
      return customer;
    });
  }

  /**
   * What a usage query needs of customers: `ids` (filterCustomerId, ids or keys) resolved to the
   * union of their subjects, and, when the query groups or filters by customer_id, each subject's
   * customer. With a customer filter only those customers are mapped (no other subject passes it).
   */
  async scope(
    accountId: string,
    ids: readonly string[] | undefined,
    byCustomer: boolean,
  ): Promise<CustomerScope | undefined> {
    if (ids === undefined && !byCustomer) return undefined;
    const live = await this.live(accountId);
    let mapped = live;
    const out: CustomerScope = { attribution: [] };
    if (ids !== undefined) {
      const issues: Issue[] = [];
      mapped = [];
      for (const [i, id] of ids.entries()) {
        const c = live.find((x) => x.id === id) ?? live.find((x) => x.key === id);
        if (c) mapped.push(c);
        else
          issues.push({
            path: `filterCustomerId[${i}]`,
            message: `no customer "${id}" (unknown or deleted)`,
          });
      }
      if (issues.length > 0) throw new ValidationError(issues);
      out.subjects = [...new Set(mapped.flatMap((c) => c.subjectKeys))];
    }
    if (byCustomer) {
      out.attribution = mapped.flatMap((c) =>
        c.subjectKeys.map((s): [string, string] => [s, c.id]),
      );
      if (out.attribution.length > MAX_ATTRIBUTED_SUBJECTS) {
        throw new ValidationError([
          {
            path: 'groupBy',
            message: `grouping by customer maps at most ${MAX_ATTRIBUTED_SUBJECTS} subjects; this account's customers have ${out.attribution.length}: filter by customer (filterCustomerId)`,
          },
        ]);
      }
    }
    return out;
  }

  /**
   * The subjects a customer-bound key reads, as the customer stands now (subjects added later are
   * included). A deleted customer's key reads nothing: refused.
   */
  async subjectsOf(accountId: string, customerId: string): Promise<string[]> {
    const rec = await this.repo.getRecord(COLLECTION, accountId, customerId);
    const c = rec ? (JSON.parse(rec.body) as Customer) : undefined;
    if (!c || c.deletedAt !== undefined) {
      throw new ForbiddenError(
        'the customer this key is bound to was deleted: the key reads nothing',
      );
    }
    return c.subjectKeys;
  }

  /** A live customer by id or key; a deleted one is not found. */
  async getLive(accountId: string, idOrKey: string): Promise<Customer> {
    const c = await this.get(accountId, idOrKey);
    if (c.deletedAt !== undefined) throw new NotFoundError(`customer "${idOrKey}" was deleted`);
    return c;
  }

  /** A key, or a subject, belongs to at most one live customer (as in OpenMeter). */
  private async checkUnique(accountId: string, c: Customer): Promise<void> {
    for (const other of await this.live(accountId)) {
      if (other.id === c.id) continue;
      if (c.key !== undefined && other.key === c.key) {
        throw new ConflictError(`customer key "${c.key}" is taken by customer ${other.id}`);
      }
      const shared = c.subjectKeys.find((s) => other.subjectKeys.includes(s));
      if (shared !== undefined) {
        throw new ConflictError(
          `subject "${shared}" is attributed to customer ${other.id}: a subject belongs to one customer`,
        );
      }
    }
  }

  private put(accountId: string, c: Customer): Promise<void> {
    return this.repo.putRecord({
      collection: COLLECTION,
      accountId,
      id: c.id,
      body: JSON.stringify(c),
    });
  }

  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writes.then(fn, fn);
    this.writes = run.catch(() => undefined);
    return run;
  }
}

function fromInput(
  input: CustomerInput,
  base: { id: string; createdAt: string; updatedAt: string },
): Customer {
  const c: Customer = {
    id: base.id,
    name: input.name,
    subjectKeys: [...new Set(input.usageAttribution?.subjectKeys ?? [])],
    createdAt: base.createdAt,
    updatedAt: base.updatedAt,
  };
  if (input.key !== undefined) c.key = input.key;
  if (input.description !== undefined) c.description = input.description;
  if (input.metadata) c.metadata = input.metadata;
  if (input.primaryEmail !== undefined) c.primaryEmail = input.primaryEmail;
  if (input.currency !== undefined) c.currency = input.currency;
  if (input.billingAddress !== undefined) c.billingAddress = input.billingAddress;
  return c;
}
