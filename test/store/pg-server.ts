/**
 * A throwaway PostgreSQL server for the tests of the `postgres://` path: initdb into a temp dir, pg_ctl
 * start on a free loopback port, pg_ctl stop + delete afterwards. Uses $SOCIETY_TEST_PG_URL instead when
 * set (a disposable database). Answers `{ skip }`, saying why, when there is no PostgreSQL to start or it
 * does not start — outside CI only: under CI (`pgRequired`) the test file turns a skip into a failure.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type PgServer = { url: string; stop(): Promise<void> } | { skip: string };

function findBinDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(join(root, v, "bin", "initdb"))) return join(root, v, "bin");
  for (const p of (process.env.PATH ?? "").split(":")) if (p && existsSync(join(p, "initdb")) && existsSync(join(p, "pg_ctl"))) return p;
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/** CI machines install PostgreSQL (.ci/run): there, no server is a failure, never a skip. */
export const pgRequired = ["true", "1"].includes((process.env.CI ?? "").toLowerCase());

export async function startPostgres(): Promise<PgServer> {
  if (process.env.SOCIETY_TEST_PG_URL) return { url: process.env.SOCIETY_TEST_PG_URL, stop: async () => undefined };
  const bin = findBinDir();
  if (!bin) return { skip: "no PostgreSQL binaries (initdb, pg_ctl) and no $SOCIETY_TEST_PG_URL" };
  // PostgreSQL refuses to run as root: run its programs as the `postgres` user then.
  let asUser: string[] = [];
  let uid: number | undefined;
  if (process.getuid?.() === 0) {
    try {
      uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    } catch {
      return { skip: "running as root and there is no `postgres` user to run the server as" };
    }
    asUser = [existsSync("/usr/sbin/runuser") ? "/usr/sbin/runuser" : "runuser", "-u", "postgres", "--"];
  }
  const run = (prog: string, args: string[]) => {
    const argv = [...asUser, join(bin, prog), ...args];
    execFileSync(argv[0]!, argv.slice(1), { stdio: "pipe", cwd: tmpdir() });
  };
  const dir = mkdtempSync(join(tmpdir(), "society-pg-"));
  if (uid !== undefined) chownSync(dir, uid, -1);
  chmodSync(dir, 0o700);
  const data = join(dir, "data");
  const port = await freePort();
  try {
    run("initdb", ["-D", data, "-A", "trust", "-U", "society", "-E", "UTF8", "--no-sync"]);
    const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    run("pg_ctl", ["-D", data, "-l", join(dir, "log"), "-o", opts, "-w", "-t", "30", "start"]);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const e = err as { stderr?: Buffer; message: string };
    return { skip: `could not start a test PostgreSQL: ${(e.stderr?.toString() || e.message).trim().split("\n").at(-1)}` };
  }
  return {
    url: `postgresql://society@127.0.0.1:${port}/postgres`,
    stop: async () => {
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
