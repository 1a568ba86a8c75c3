// Projects and their keys: the list (the dashboard's home), creating and
// renaming a project, and its keys: created (shown once, with a copy
// button), listed by prefix and dates, revoked after a confirmation.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isId } from '../../domain/ids.js';
import { csrfFieldOf, field, projectOf, seeOther, sendPage, type WebContext } from '../context.js';
import { PageError } from '../errors.js';
import { html, type Html } from '../html.js';
import { csrfField, notice, page } from '../layout.js';
import type { WebSession } from '../session.js';

type ProjectParams = FastifyRequest<{ Params: { projectId: string } }>;
type KeyParams = FastifyRequest<{ Params: { projectId: string; keyId: string } }>;

function shownOnce(label: string, key: string, id: string): Html {
  return html`<div class="secret">
    <label for="${id}">${label}</label>
    <input id="${id}" readonly value="${key}" class="mono">
    <button type="button" class="copy" data-copy="${id}">Copy</button>
  </div>`;
}

export async function projectsList(context: WebContext, session: WebSession, extra?: Html): Promise<Html> {
  const projects = await context.projects.listProjects();
  return page({
    title: 'Projects',
    session,
    body: html`<h1>Projects</h1>
      ${extra ?? ''}
      ${projects.length === 0
        ? html`<p class="empty">No projects yet. Create the first one: it comes with an API key for your servers.</p>`
        : html`<table class="list">
            <caption class="visually-hidden">Projects</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">Id</th><th scope="col">Created</th></tr></thead>
            <tbody>${projects.map(
              (project) => html`<tr>
                <td><a href="/projects/${project.id}/contacts">${project.name}</a></td>
                <td class="mono">${project.id}</td>
                <td><time datetime="${project.createdAt}">${project.createdAt.slice(0, 16).replace('T', ' ')}</time></td>
              </tr>`,
            )}</tbody>
          </table>`}
      <form method="post" action="/projects" class="inline">
        ${csrfField(session)}
        <label for="project-name">New project</label>
        <input id="project-name" name="name" required maxlength="100" placeholder="Name">
        <button type="submit">Create project</button>
      </form>`,
  });
}

async function settingsPage(context: WebContext, session: WebSession, projectId: string, extra?: Html): Promise<Html> {
  const project = await projectOf(context, projectId);
  const keys = await context.projects.listKeys(project.id);
  return page({
    title: `${project.name}: settings and keys`,
    session,
    project,
    tab: 'settings',
    body: html`<h1>Settings and keys</h1>
      ${extra ?? ''}
      <form method="post" action="/projects/${project.id}/rename" class="inline">
        ${csrfField(session)}
        <label for="rename">Name</label>
        <input id="rename" name="name" required maxlength="100" value="${project.name}">
        <button type="submit">Rename</button>
      </form>
      <h2>API keys</h2>
      <p>A secret key (<code>sk_…</code>) is for your servers: it reads and changes every contact of this project.
        A key is shown once, when it is created; the list shows its first characters only.</p>
      <table class="list">
        <caption class="visually-hidden">API keys</caption>
        <thead><tr><th scope="col">Key</th><th scope="col">Kind</th><th scope="col">Created</th><th scope="col">Revoked</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody>${keys.map(
          (key) => html`<tr>
            <td class="mono">${key.prefix}…</td>
            <td>${key.kind}</td>
            <td><time datetime="${key.createdAt}">${key.createdAt.slice(0, 16).replace('T', ' ')}</time></td>
            <td>${key.revokedAt ? html`<time datetime="${key.revokedAt}">${key.revokedAt.slice(0, 16).replace('T', ' ')}</time>` : '—'}</td>
            <td>${key.revokedAt ? '' : html`<a href="/projects/${project.id}/keys/${key.id}/revoke">Revoke…</a>`}</td>
          </tr>`,
        )}</tbody>
      </table>
      <form method="post" action="/projects/${project.id}/keys" class="inline">
        ${csrfField(session)}
        <label for="kind">New key</label>
        <select id="kind" name="kind"><option value="secret">secret</option><option value="public">public</option></select>
        <button type="submit">Create key</button>
      </form>`,
  });
}

export function projectPages(app: FastifyInstance, context: WebContext): void {
  app.get('/projects', async (_request, reply) => seeOther(reply, '/'));

  app.post('/projects', async (request, reply) => {
    const created = await context.projects.createProject(field(request, 'name') ?? '');
    const shown = html`${notice('success', `Project ${created.project.name} created. Copy its keys now: they are not shown again.`)}
      ${shownOnce('Secret key', created.secretKey, 'new-secret')}
      ${shownOnce('Public key', created.publicKey, 'new-public')}`;
    return sendPage(reply, await settingsPage(context, request.webSession, created.project.id, shown), 201);
  });

  app.get('/projects/:projectId', async (request: ProjectParams, reply) =>
    sendPage(reply, await settingsPage(context, request.webSession, request.params.projectId)),
  );

  app.post('/projects/:projectId/rename', async (request: ProjectParams, reply) => {
    const project = await projectOf(context, request.params.projectId);
    await context.projects.renameProject(project.id, field(request, 'name') ?? '');
    return seeOther(reply, `/projects/${project.id}`);
  });

  app.post('/projects/:projectId/keys', async (request: ProjectParams, reply) => {
    const project = await projectOf(context, request.params.projectId);
    const kind = field(request, 'kind') === 'public' ? 'public' : 'secret';
    const created = await context.projects.createKey(project.id, kind);
    const shown = html`${notice('success', `A ${kind} key was created. Copy it now: it is not shown again.`)}
      ${shownOnce(`New ${kind} key`, created.key, 'new-key')}`;
    return sendPage(reply, await settingsPage(context, request.webSession, project.id, shown), 201);
  });

  app.get('/projects/:projectId/keys/:keyId/revoke', async (request: KeyParams, reply) => {
    const project = await projectOf(context, request.params.projectId);
    const key = (await context.projects.listKeys(project.id)).find((k) => k.id === request.params.keyId);
    if (!key || key.revokedAt) throw new PageError(404, 'No such live key in this project.');
    return sendPage(
      reply,
      page({
        title: 'Revoke a key',
        session: request.webSession,
        project,
        tab: 'settings',
        body: html`<h1>Revoke the key ${key.prefix}…?</h1>
          <p>Every request that uses it is refused at once, on every server. This cannot be undone.</p>
          <form method="post" action="/projects/${project.id}/keys/${key.id}/revoke">
            ${csrfFieldOf(request)}
            <button type="submit" class="danger">Revoke ${key.prefix}…</button>
            <a href="/projects/${project.id}">Cancel</a>
          </form>`,
      }),
    );
  });

  app.post('/projects/:projectId/keys/:keyId/revoke', async (request: KeyParams, reply) => {
    const project = await projectOf(context, request.params.projectId);
    const key = (await context.projects.listKeys(project.id)).find((k) => k.id === request.params.keyId);
    if (!key || !isId(key.id)) throw new PageError(404, 'No such key in this project.');
    await context.projects.revokeKey(key.id);
    return seeOther(reply, `/projects/${project.id}`);
  });
}
