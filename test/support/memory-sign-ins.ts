// A SignInStore with the port's semantics in a list, for the portal's tests (the real stores live elsewhere).
import type { NewSignIn, SignIn, SignInStore } from '../../src/domain/sign-in.js';

export class ListSignIns implements SignInStore {
  readonly rows: SignIn[] = [];

  append(entries: readonly NewSignIn[]): void {
    for (const entry of entries) this.rows.push({ ...entry, id: this.rows.length + 1, notMeAt: null });
  }

  recent(userName: string, limit: number): SignIn[] {
    return this.rows
      .filter((r) => r.userName === userName)
      .sort((a, b) => (a.at === b.at ? b.id - a.id : a.at < b.at ? 1 : -1))
      .slice(0, limit);
  }

  get(id: number): SignIn | undefined {
    return this.rows.find((r) => r.id === id);
  }

  markNotMe(id: number, at: Date): boolean {
    const index = this.rows.findIndex((r) => r.id === id && r.notMeAt === null);
    if (index < 0) return false;
    this.rows[index] = { ...this.rows[index]!, notMeAt: at.toISOString() };
    return true;
  }

  pruneBefore(before: Date): number {
    const keep = this.rows.filter((r) => r.at >= before.toISOString());
    const pruned = this.rows.length - keep.length;
    this.rows.splice(0, this.rows.length, ...keep);
    return pruned;
  }
}
