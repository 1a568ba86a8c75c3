// The change feed (GET /contacts/changes): the project's contact events in
// commit order, a page at a time, from a cursor. Events older than the
// retention are deleted; a cursor from before them can no longer be served
// without a gap, so it is refused (410) rather than silently skipping.
import { decodeSeqCursor, encodeSeqCursor } from './cursor.js';
import { AppError } from './errors.js';
import { CONTACT_EVENT_TYPES } from './events.js';
import type { EventRecord, Store } from './store.js';

export interface ChangePage {
  changes: EventRecord[];
  /** Where the next page starts: after the last change returned, or where this one started when there were none. */
  cursor: string;
  hasMore: boolean;
}

export class ChangeService {
  constructor(private readonly store: Store) {}

  /** The changes after `since` (from the oldest kept when undefined), at most `limit`. */
  async read(projectId: string, since: string | undefined, limit: number): Promise<ChangePage> {
    const requested = since === undefined ? undefined : decodeSeqCursor(projectId, since);
    for (;;) {
      const from = requested ?? (await this.store.events.purgedThrough(projectId));
      const events = await this.store.events.after(projectId, from, limit + 1, CONTACT_EVENT_TYPES);
      // Read after the events: a purge that ran meanwhile shows here, and the
      // page, which may lack what it deleted, is not served.
      const purged = await this.store.events.purgedThrough(projectId);
      if (from >= purged) {
        const hasMore = events.length > limit;
        const changes = hasMore ? events.slice(0, limit) : events;
        const last = changes[changes.length - 1];
        return { changes, cursor: encodeSeqCursor(projectId, last?.seq ?? from), hasMore };
      }
      if (requested !== undefined) {
        throw new AppError(
          'CURSOR_EXPIRED',
          'The cursor is older than the changes kept (CHANGE_RETENTION_DAYS); read the contacts again, then follow the feed from a new cursor',
        );
      }
    }
  }
}
