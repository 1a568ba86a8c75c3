// The Store interface: everything the domain may ask of a database. Both
// stores (sqlite/, postgres/) implement it and pass the same test suite.
// Every tenant method takes the projectId first: a query without it cannot be
// written by accident.
import type { KeyKind } from '../domain/keys.js';

export interface ProjectRecord {
  id: string;
  name: string;
  createdAt: number;
}

export interface ApiKeyRecord {
  id: string;
  projectId: string;
  kind: KeyKind;
  hash: Buffer;
  prefix: string;
  createdAt: number;
  revokedAt: number | null;
}

export interface ContactRecord {
  id: string;
  email: string;
  subscribed: boolean;
  /** Compact JSON of the data object, exactly as stored and served. */
  dataJson: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  updatedAt: number;
}

/**
 * Decides the next state of a contact from its current one, inside the
 * store's transaction. Returning `current` itself means "nothing changes".
 * It may throw (a validation error, say), which aborts the write.
 */
export type DecideContact = (current: ContactRecord | undefined) => ContactRecord;
export type DecideExistingContact = (current: ContactRecord) => ContactRecord;

export interface ContactFilter {
  /** Lower-case substring of the email. */
  search?: string;
  subscribed?: boolean;
}

export interface ContactPageQuery extends ContactFilter {
  limit: number;
  /** Return only contacts that sort after this position (createdAt desc, id desc). */
  after?: { createdAt: number; id: string };
}

/** Thrown by a store when a write would give an email to a second contact. */
export class EmailTakenError extends Error {
  constructor() {
    super('email already used by another contact of the project');
    this.name = 'EmailTakenError';
  }
}

export interface ProjectStore {
  /** Creates the project and its first keys in one transaction. */
  create(project: ProjectRecord, keys: ApiKeyRecord[]): Promise<void>;
  get(projectId: string): Promise<ProjectRecord | undefined>;
}

export interface KeyStore {
  insert(key: ApiKeyRecord): Promise<void>;
  list(projectId: string): Promise<ApiKeyRecord[]>;
  /** Marks a key revoked; false when no live key has that id. */
  revoke(keyId: string, at: number): Promise<boolean>;
  findByHash(hash: Buffer): Promise<ApiKeyRecord | undefined>;
}

export interface ContactStore {
  upsertByEmail(
    projectId: string,
    email: string,
    decide: DecideContact,
  ): Promise<{ contact: ContactRecord; created: boolean }>;
  /** Undefined when the project has no contact with that id. May throw EmailTakenError. */
  updateById(projectId: string, id: string, decide: DecideExistingContact): Promise<ContactRecord | undefined>;
  getById(projectId: string, id: string): Promise<ContactRecord | undefined>;
  deleteById(projectId: string, id: string): Promise<boolean>;
  listPage(projectId: string, query: ContactPageQuery): Promise<ContactRecord[]>;
  count(projectId: string, filter: ContactFilter): Promise<number>;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly projects: ProjectStore;
  readonly keys: KeyStore;
  readonly contacts: ContactStore;
  /** Brings the schema to the current version; safe when several processes call it at once. */
  migrate(): Promise<void>;
  /** Resolves when the database answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
