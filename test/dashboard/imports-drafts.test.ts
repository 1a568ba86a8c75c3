// The import wizard's drafts in both stores: a file kept whole across its
// parts, only for its project, until it expires (expired drafts swept when
// another is stored), at most so many per project (the oldest go), and
// deleted once only (a second "Start import" finds nothing to take).
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { ImportDraftRecord, Store } from '../../src/domain/store.js';
import { storeKinds } from '../support/app.js';

const HOUR = 60 * 60 * 1000;

for (const kind of storeKinds()) {
  describe(`import drafts (${kind.name})`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ store, cleanup } = await kind.open());
    });
    after(async () => cleanup?.());

    const draft = (projectId: string, createdAt: number, size: number): ImportDraftRecord => ({
      projectId, id: randomUUID(), size, createdAt, expiresAt: createdAt + HOUR,
    });

    test('a file of several parts comes back whole, for its project only, until it expires', async () => {
      const projectId = randomUUID();
      const file = randomBytes(1_300_000);
      const now = Date.now();
      const record = draft(projectId, now, file.length);
      await store.importDrafts.create(record, file, 10);
      const read = await store.importDrafts.read(projectId, record.id, now + 1);
      assert.ok(read);
      assert.deepEqual(read.draft, record);
      assert.ok(read.file.equals(file));
      assert.equal(await store.importDrafts.read(randomUUID(), record.id, now + 1), undefined, 'another project');
      assert.equal(await store.importDrafts.read(projectId, record.id, record.expiresAt), undefined, 'expired');
    });

    test('expired drafts are swept when another is stored; the oldest beyond the cap go; a delete happens once', async () => {
      const projectId = randomUUID();
      const otherProject = randomUUID();
      const long = Date.now() - 2 * HOUR;
      const expired = draft(projectId, long, 5);
      await store.importDrafts.create(expired, Buffer.from('email'), 10);
      const other = draft(otherProject, Date.now(), 5);
      await store.importDrafts.create(other, Buffer.from('email'), 1);
      assert.equal(await store.importDrafts.read(projectId, expired.id, long + 1), undefined, 'swept, not merely hidden');

      const now = Date.now();
      const drafts = [draft(projectId, now, 1), draft(projectId, now + 1, 1), draft(projectId, now + 2, 1)];
      for (const d of drafts) await store.importDrafts.create(d, Buffer.from('x'), 2);
      assert.equal(await store.importDrafts.read(projectId, drafts[0]!.id, now + 3), undefined, 'the oldest beyond two');
      assert.ok(await store.importDrafts.read(projectId, drafts[1]!.id, now + 3));
      assert.ok(await store.importDrafts.read(projectId, drafts[2]!.id, now + 3));
      assert.ok(await store.importDrafts.read(otherProject, other.id, now + 3), "another project's drafts are not counted");

      assert.equal(await store.importDrafts.delete(projectId, drafts[2]!.id), true);
      assert.equal(await store.importDrafts.delete(projectId, drafts[2]!.id), false);
      assert.equal(await store.importDrafts.read(projectId, drafts[2]!.id, now + 3), undefined);
      // Put back (a start the import refused): readable again.
      await store.importDrafts.create(drafts[2]!, Buffer.from('x'), 2);
      assert.equal((await store.importDrafts.read(projectId, drafts[2]!.id, now + 3))?.file.toString(), 'x');
    });
  });
}
