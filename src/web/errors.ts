// A dashboard page that cannot be shown: its status and what to tell the
// operator. The dashboard's error handler renders it (and any AppError) as a
// page, never as the API's JSON.
export class PageError extends Error {
  constructor(
    readonly statusCode: 400 | 403 | 404 | 409 | 413 | 429,
    message: string,
  ) {
    super(message);
    this.name = 'PageError';
  }
}

export function pageNotFound(what = 'page'): PageError {
  return new PageError(404, `No such ${what}. It may have been deleted, or the address is wrong.`);
}
