/**
 * Group commit: the rows added while the previous commit runs (under load, many token requests at
 * once) go into the next one, started after the current turn of the event loop. Each caller's promise
 * settles only once its row is committed, so a token is still never answered before its audit row is
 * in the database, at a fraction of the cost of one commit per event. One commit at a time, so rows
 * are numbered in the order they came.
 */
export class GroupCommit<Row> {
  /** Rows collecting for the next commit, and the promise that commit settles. */
  private collecting: { rows: Row[]; done: Promise<void> } | undefined;
  /** The commit in flight. */
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly write: (rows: Row[]) => Promise<void>) {}

  add(row: Row): Promise<void> {
    if (!this.collecting) {
      const rows: Row[] = [];
      const previous = this.writing;
      const done = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => previous)
        .then(() => {
          this.collecting = undefined;
          return this.write(rows);
        });
      this.collecting = { rows, done };
      this.writing = done.catch(() => undefined);
    }
    this.collecting.rows.push(row);
    return this.collecting.done;
  }

  /** Resolves when every row added so far is committed or has failed. */
  async settled(): Promise<void> {
    while (this.collecting) await this.collecting.done.catch(() => undefined);
    await this.writing;
  }
}
