import { openStore, type Store } from "../store/index.js";

/** Opens the store named by --db / $SOCIETY_DB_URL / runs/society.db for one command, and always closes it. */
export async function withStore<T>(db: string | undefined, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(db);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
