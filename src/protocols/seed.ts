/**
 * A question's identity in every turn seed (`turnSeedV1` in src/util/seed.ts): the task's stable identity
 * `task:split:id`, never a database id, so a rerun or a resumed run samples exactly the same turns.
 */
export function questionKey(q: { task: string; split: string; id: string }): string {
  return `${q.task}:${q.split}:${q.id}`;
}
