/**
 * Where each of a group's sequences would go in a micro-batch of at most `B` rows of `T` positions, given the
 * positions `used` in each open row: with `pack`, the first row with room (first fit), else a new row each.
 * Null when the group does not fit (the caller flushes and retries); `used` is not changed: the caller
 * books the positions as it fills the rows. (DPO places a
 * pair's two replies, MAGDi a question's graph of nodes.)
 */
export function fitRows(used: readonly number[], lens: readonly number[], o: { pack: boolean; B: number; T: number }): number[] | null {
  const u = used.slice();
  const at: number[] = [];
  for (const len of lens) {
    let r = o.pack ? u.findIndex((x) => x + len <= o.T) : -1;
    if (r < 0) {
      if (u.length >= o.B) return null;
      r = u.length;
      u.push(0);
    }
    at.push(r);
    u[r]! += len;
  }
  return at;
}
