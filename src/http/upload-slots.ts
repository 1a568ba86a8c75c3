// Uploads in progress, counted per API process and per project. Reading an
// upload holds a connection and up to 5 MiB of memory for as long as the
// client takes; without a per-project share, one project's slow uploads would
// leave every other project's imports answered 503.

export class UploadSlots {
  private inProgress = 0;
  private readonly byProject = new Map<string, number>();

  constructor(
    private readonly total: number,
    private readonly perProject: number,
  ) {}

  /** A slot for one of the project's uploads (call `release` once it is read), or why there is none. */
  take(projectId: string): { release(): void } | { refused: string } {
    const mine = this.byProject.get(projectId) ?? 0;
    if (mine >= this.perProject) {
      return { refused: `This project already has ${mine} uploads in progress on this server; retry when one has finished` };
    }
    if (this.inProgress >= this.total) return { refused: `${this.total} uploads are already in progress; retry shortly` };
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
