// Projects and their API keys: creation, listing, rotation, revocation, and turning an
// Authorization header into the project it belongs to.
import { AppError, invalidField, notFound } from './errors.js';
import { isId, newId } from './ids.js';
import type { KeyCache } from './key-cache.js';
import { bearerToken, generateKey, hashKey, type KeyKind } from './keys.js';
import type { ApiKeyRecord, ProjectRecord, Store } from './store.js';
import { codePointLength } from './text.js';

export interface CreatedProject {
  project: { id: string; name: string };
  secretKey: string;
  publicKey: string;
}

export interface ProjectSummary {
  id: string;
  name: string;
  createdAt: string;
}

export interface KeySummary {
  id: string;
  kind: KeyKind;
  prefix: string;
  createdAt: string;
  revokedAt: string | null;
}

function keyRecord(projectId: string, kind: KeyKind): { record: ApiKeyRecord; raw: string } {
  const key = generateKey(kind);
  const record: ApiKeyRecord = {
    id: newId(),
    projectId,
    kind,
    hash: key.hash,
    prefix: key.prefix,
    createdAt: Date.now(),
    revokedAt: null,
  };
  return { record, raw: key.raw };
}

export class ProjectService {
  /** `keyCache`: for a process that checks keys on requests; see key-cache.ts. */
  constructor(
    private readonly store: Store,
    private readonly keyCache?: KeyCache,
  ) {}

  async createProject(name: string): Promise<CreatedProject> {
    const trimmed = name.trim();
    if (trimmed.length === 0 || codePointLength(trimmed) > 100) {
      throw invalidField('name', 'A project name is 1-100 characters');
    }
    const project: ProjectRecord = { id: newId(), name: trimmed, createdAt: Date.now() };
    const secret = keyRecord(project.id, 'secret');
    const publicKey = keyRecord(project.id, 'public');
    await this.store.projects.create(project, [secret.record, publicKey.record]);
    return { project: { id: project.id, name: project.name }, secretKey: secret.raw, publicKey: publicKey.raw };
  }

  async renameProject(projectId: string, name: string): Promise<void> {
    const trimmed = name.trim();
    if (trimmed.length === 0 || codePointLength(trimmed) > 100) {
      throw invalidField('name', 'A project name is 1-100 characters');
    }
    if (!isId(projectId) || !(await this.store.projects.rename(projectId, trimmed))) throw notFound('Project');
  }

  /** Every project, oldest first, with times as the HTTP API writes them. */
  async listProjects(): Promise<ProjectSummary[]> {
    const projects = await this.store.projects.list();
    return projects.map((project) => ({ id: project.id, name: project.name, createdAt: new Date(project.createdAt).toISOString() }));
  }

  async createKey(projectId: string, kind: KeyKind): Promise<{ id: string; key: string }> {
    if (!isId(projectId) || !(await this.store.projects.get(projectId))) throw notFound('Project');
    const { record, raw } = keyRecord(projectId, kind);
    await this.store.keys.insert(record);
    return { id: record.id, key: raw };
  }

  async listKeys(projectId: string): Promise<KeySummary[]> {
    if (!isId(projectId) || !(await this.store.projects.get(projectId))) throw notFound('Project');
    const keys = await this.store.keys.list(projectId);
    return keys.map((key) => ({
      id: key.id,
      kind: key.kind,
      prefix: key.prefix,
      createdAt: new Date(key.createdAt).toISOString(),
      revokedAt: key.revokedAt === null ? null : new Date(key.revokedAt).toISOString(),
    }));
  }

  async revokeKey(keyId: string): Promise<void> {
    // What is not an id is not repeated back: it may be a raw key pasted by
    // mistake, and the message ends up in a terminal or a CI log.
    if (!isId(keyId)) throw new AppError('NOT_FOUND', 'No such key: give the key id (a UUID, as `keys list` shows), not the key');
    if (!(await this.store.keys.revoke(keyId, Date.now()))) {
      throw new AppError('NOT_FOUND', `Key ${keyId} not found, or already revoked`);
    }
  }

  /**
   * The project a request acts for. Keys are looked up by their SHA-256 hash:
   * in the key cache when there is one (a live key read earlier, trusted only
   * while the store's revocation mark is unchanged), else by an indexed read.
   * Either way a revocation counts at once.
   */
  async authenticate(authorization: string | undefined, required: KeyKind = 'secret'): Promise<string> {
    const token = bearerToken(authorization);
    if (token === undefined) {
      throw new AppError('UNAUTHORIZED', 'Missing or malformed Authorization header; expected "Bearer sk_…"');
    }
    const key = token.length <= 512 ? await this.findKey(hashKey(token)) : undefined;
    if (!key || key.revokedAt !== null) throw new AppError('INVALID_API_KEY', 'Invalid API key');
    if (required === 'secret' && key.kind !== 'secret') {
      throw new AppError('SECRET_KEY_REQUIRED', 'This endpoint requires a secret key (sk_*)');
    }
    return key.projectId;
  }

  private findKey(hash: Buffer) {
    return this.keyCache ? this.keyCache.find(this.store.keys, hash) : this.store.keys.findByHash(hash);
  }
}
