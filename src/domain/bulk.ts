// A bulk job's effect on the contacts it names: subscribe or unsubscribe those
// not already in that state, or delete them. Ids not in the project (missing,
// malformed, or another project's) are reported as not found and never touched.
import type { ContactRecord, ContactWrites } from './store.js';
import { reviseContact } from './contacts.js';
import type { BulkOperation, BulkResult } from './jobs.js';

export function planBulk(
  operation: BulkOperation,
  contactIds: string[],
  existing: ContactRecord[],
  result: BulkResult,
): { writes: ContactWrites; result: BulkResult } {
  const found = new Map(existing.map((contact) => [contact.id, contact]));
  const writes: ContactWrites = { inserts: [], updates: [], deletes: [] };
  const next: BulkResult = { ...result, successCount: 0, unchangedCount: 0, failureCount: 0, errors: [] };
  for (const id of contactIds) {
    const contact = found.get(id);
    if (!contact) {
      next.failureCount++;
      next.errors.push({ contactId: id, error: 'Contact not found' });
    } else if (operation === 'delete') {
      writes.deletes.push(id);
      next.successCount++;
    } else {
      const revised = reviseContact(contact, { subscribed: operation === 'subscribe' });
      if (revised === contact) next.unchangedCount++;
      else {
        writes.updates.push(revised);
        next.successCount++;
      }
    }
  }
  return { writes, result: next };
}
