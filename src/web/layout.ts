// The frame of every dashboard page: head (the stylesheet and the one
// script, both from /assets: no inline script or style, as the CSP says),
// the top bar with the operator and the logout form, the project's
// navigation when on a project, and the page's own content.
import { html, type Html } from './html.js';
import type { WebSession } from './session.js';

export interface PageOptions {
  title: string;
  session?: WebSession;
  /** The project the page is about: its name and id, for the navigation. */
  project?: { id: string; name: string };
  /** Which project tab is current. */
  tab?: 'contacts' | 'import' | 'jobs' | 'settings';
  /** Further files of /assets the page uses (a page's own script or stylesheet), besides app.js and app.css. */
  assets?: string[];
  body: Html;
}

export function page({ title, session, project, tab, assets = [], body }: PageOptions): Html {
  const nav = project
    ? html`<nav class="tabs" aria-label="Project">
        ${tabLink(`/projects/${project.id}/contacts`, 'Contacts', tab === 'contacts')}
        ${tabLink(`/projects/${project.id}/import`, 'Import', tab === 'import')}
        ${tabLink(`/projects/${project.id}/jobs`, 'Jobs', tab === 'jobs')}
        ${tabLink(`/projects/${project.id}`, 'Settings and keys', tab === 'settings')}
      </nav>`
    : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Rolodex</title>
<link rel="stylesheet" href="/assets/app.css">
<script src="/assets/app.js" defer></script>
${assets.map((name) => (name.endsWith('.css') ? html`<link rel="stylesheet" href="/assets/${name}">` : html`<script src="/assets/${name}" defer></script>`))}
</head>
<body>
<header class="top">
  <a class="brand" href="/">Rolodex</a>
  ${project ? html`<span class="crumb" aria-label="Project"><a href="/projects/${project.id}/contacts">${project.name}</a></span>` : ''}
  ${session
    ? html`<form class="logout" method="post" action="/logout">
        <input type="hidden" name="_csrf" value="${session.csrfToken}">
        <span class="who">${session.email}</span>
        <button type="submit">Log out everywhere</button>
      </form>`
    : ''}
</header>
${nav}
<main id="main">
${body}
</main>
</body>
</html>`;
}

function tabLink(href: string, label: string, current: boolean): Html {
  return current ? html`<a href="${href}" aria-current="page">${label}</a>` : html`<a href="${href}">${label}</a>`;
}

/** A form's hidden CSRF field. */
export function csrfField(session: WebSession): Html {
  return html`<input type="hidden" name="_csrf" value="${session.csrfToken}">`;
}

/** An error or notice box; errors name the request id, for support. */
export function notice(kind: 'error' | 'info' | 'success', message: string, requestId?: string): Html {
  return html`<div class="notice ${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${message}${requestId ? html` <span class="request-id">(request id ${requestId})</span>` : ''}</div>`;
}
