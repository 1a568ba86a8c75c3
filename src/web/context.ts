// What every dashboard page works with: the domain services (the dashboard
// calls them directly, never the HTTP API), the limits, and the helpers to
// read a page's project and send a page.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Limits } from '../config.js';
import type { UploadSlots } from '../http/upload-slots.js';
import type { AdminService } from '../domain/admins.js';
import type { ContactService } from '../domain/contacts.js';
import type { ExportService } from '../domain/export.js';
import type { ImportService } from '../domain/import/import-service.js';
import type { JobService } from '../domain/jobs.js';
import type { ProjectService } from '../domain/projects.js';
import { isId } from '../domain/ids.js';
import type { ProjectRecord, Store } from '../domain/store.js';
import { pageNotFound } from './errors.js';
import { html, type Html } from './html.js';
import type { WebSession } from './session.js';

export interface WebContext {
  store: Store;
  admins: AdminService;
  projects: ProjectService;
  contacts: ContactService;
  jobs: JobService;
  imports: ImportService;
  exports: ExportService;
  limits: Limits;
  /** The exports streaming on this process: the API's and the dashboard's count together. */
  exportSlots: UploadSlots;
  /** Uploads being read on this process: the API's and the dashboard's count together. */
  uploadSlots: UploadSlots;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The operator's session on a dashboard page (set before every page that needs one). */
    webSession: WebSession;
  }
}

/** The project a page's URL names, or a 404 page. */
export async function projectOf(context: WebContext, projectId: string): Promise<ProjectRecord> {
  const project = isId(projectId) ? await context.store.projects.get(projectId) : undefined;
  if (!project) throw pageNotFound('project');
  return project;
}

export function sendPage(reply: FastifyReply, body: Html, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body.text);
}

/** After a form post: to a page (303, so the browser GETs it). */
export function seeOther(reply: FastifyReply, location: string): FastifyReply {
  return reply.redirect(location, 303);
}

/** The hidden CSRF field of a form on this request's page. */
export function csrfFieldOf(request: FastifyRequest): Html {
  return html`<input type="hidden" name="_csrf" value="${request.webSession.csrfToken}">`;
}

/** A form body's field as one string (the last, when given more than once); undefined when absent. */
export function field(request: FastifyRequest, name: string): string | undefined {
  const value = (request.body as Record<string, string | string[]> | undefined)?.[name];
  return Array.isArray(value) ? value[value.length - 1] : value;
}

/** Every value of a form body's field, in order. */
export function fields(request: FastifyRequest, name: string): string[] {
  const value = (request.body as Record<string, string | string[]> | undefined)?.[name];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}
