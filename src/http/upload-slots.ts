// Uploads (or exports) in progress, counted per API process and per project.
// Reading an upload holds a connection and up to 5 MiB of memory for as long
// as the client takes, and an export a share of the event loop for as long as
// it streams; without a per-project share, one project's slow uploads or
// exports would leave every other project's answered 503.

export class UploadSlots {
  private inProgress = 0;
  private readonly byProject = new Map<string, number>();

  constructor(
    private readonly total: number,
    private readonly perProject: number,
    private readonly noun = 'uploads',
  ) {}

  /** A slot for one of the project's uploads (call `release` once it is read), or why there is none. */
  take(projectId: string): { release(): void } | { refused: string } {
    const mine = this.byProject.get(projectId) ?? 0;
    if (mine >= this.perProject) {
      return { refused: `This project already has ${mine} ${this.noun} in progress on this server; retry when one has finished` };
    }
    if (this.inProgress >= this.total) return { refused: `${this.total} ${this.noun} are already in progress; retry shortly` };
    this.inProgress++;
    this.byProject.set(projectId, mine + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.inProgress--;
        const left = (this.byProject.get(projectId) ?? 1) - 1;
        if (left === 0) this.byProject.delete(projectId);
        else this.byProject.set(projectId, left);
      },
    };
  }
}
