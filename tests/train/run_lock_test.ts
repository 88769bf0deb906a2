/**
 * Two processes, one folder: the run-folder lock (train/run_lock.ts) and `train` with it.
 *
 * @module
 */
import assert from "node:assert/strict";
import { LOCK_NAME, lockRunFolder, RunLockError } from "../../train/run_lock.ts";
import { processAlive, processStartTime } from "../../train/process_alive.ts";
import { syntheticMnistDir } from "../_fixtures/synthetic_mnist.ts";
import { denoCommand, listFiles, runDeno } from "./_run_folder.ts";

/** A pid that was alive and is not any more. */
async function deadPid(): Promise<number> {
  const child = new Deno.Command("true").spawn();
  await child.status;
  assert.ok(!processAlive(child.pid));
  return child.pid;
}

function lockText(fields: Record<string, unknown>): string {
  return JSON.stringify({
    pid: 1,
    hostname: Deno.hostname(),
    start: null,
    since: "2020-01-01T00:00:00.000Z",
    command: "train",
    nonce: crypto.randomUUID(),
    ...fields,
  });
}

Deno.test("lockRunFolder() holds the pid and hostname, refuses a second taker and releases", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const run = `${dir}/run`;
    const lock = await lockRunFolder(run);
    const held = JSON.parse(await Deno.readTextFile(`${run}/${LOCK_NAME}`));
    assert.equal(held.pid, Deno.pid);
    assert.equal(held.hostname, Deno.hostname());
    assert.equal(held.start, processStartTime());
    await assert.rejects(() => lockRunFolder(run), (e: Error) => {
      assert.ok(e instanceof RunLockError);
      assert.equal(e.holder?.pid, Deno.pid);
      assert.match(
        e.message,
        new RegExp(
          `^run folder ${run} is in use by train pid ${Deno.pid} on ${Deno.hostname()} since \\S+ \\(lock ${run}/run\\.lock\\)$`,
        ),
      );
      return true;
    });
    await lock.release();
    // the lock created the folder and nothing else was written: both are gone
    await assert.rejects(() => Deno.stat(run), Deno.errors.NotFound);
    // a folder with content stays, the lock goes
    const again = await lockRunFolder(run);
    await Deno.writeTextFile(`${run}/config.json`, "{}");
    await again.release();
    assert.deepEqual(await listFiles(run), ["config.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lockRunFolder() takes over the lock of a dead process (one taker of many), not a live or foreign one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lockPath = `${dir}/${LOCK_NAME}`;
    // dead pid: taken over
    await Deno.writeTextFile(lockPath, lockText({ pid: await deadPid() }));
    const lock = await lockRunFolder(dir);
    assert.equal(JSON.parse(await Deno.readTextFile(lockPath)).nonce, lock.holder.nonce);
    await lock.release();
    // this pid with another start time: the pid was reused, the holder is gone
    await Deno.writeTextFile(lockPath, lockText({ pid: Deno.pid, start: -1 }));
    await (await lockRunFolder(dir)).release();
    // eight takers of one stale lock at once: exactly one gets it
    await Deno.writeTextFile(lockPath, lockText({ pid: await deadPid() }));
    const takers = await Promise.allSettled(Array.from({ length: 8 }, () => lockRunFolder(dir)));
    const won = takers.filter((t) => t.status === "fulfilled");
    assert.equal(won.length, 1, JSON.stringify(takers.map((t) => t.status)));
    for (const t of takers) {
      if (t.status === "rejected") assert.ok(t.reason instanceof RunLockError, String(t.reason));
    }
    await (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof lockRunFolder>>>).value
      .release();
    // eight takers of a folder with no lock (the release removed it): exactly one; the lock
    // appears whole (linked from a temp file), and no temp file stays behind
    const fresh = await Promise.allSettled(Array.from({ length: 8 }, () => lockRunFolder(dir)));
    const first = fresh.filter((t) => t.status === "fulfilled");
    assert.equal(first.length, 1, JSON.stringify(fresh.map((t) => t.status)));
    assert.deepEqual(await listFiles(dir), [LOCK_NAME]);
    await (first[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof lockRunFolder>>>).value
      .release();
    // a live process (pid 1 runs on every Linux machine): refused
    await Deno.writeTextFile(lockPath, lockText({ pid: 1 }));
    await assert.rejects(() => lockRunFolder(dir), /is in use by train pid 1 on /);
    // another machine: refused, with the way out
    await Deno.writeTextFile(lockPath, lockText({ pid: 7, hostname: "elsewhere.example" }));
    await assert.rejects(
      () => lockRunFolder(dir),
      /pid 7 on elsewhere\.example since .*\(another machine: if that process is gone, remove .*run\.lock\)$/,
    );
    // an empty or half-written lock that no process holds (its writer was killed): replaced
    await Deno.writeTextFile(lockPath, "");
    await (await lockRunFolder(dir)).release();
    await Deno.writeTextFile(lockPath, '{"pid": 12');
    const replaced = await lockRunFolder(dir);
    assert.equal(JSON.parse(await Deno.readTextFile(lockPath)).nonce, replaced.holder.nonce);
    // a second lock of this process is refused while the first is held
    await assert.rejects(() => lockRunFolder(dir), RunLockError);
    await replaced.release();
    await Deno.writeTextFile(lockPath, lockText({ pid: await deadPid() }));
    assert.deepEqual(await listFiles(dir), [LOCK_NAME]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a second train on the same --out, or resuming it, stops with one line naming the holder", async () => {
  const dir = await Deno.makeTempDir();
  const data = await syntheticMnistDir();
  // about 3 s here: long enough for the second processes to start and stop meanwhile
  const args = (out: string, dataDir = data, epochs = 4) => [
    "ste",
    "--model-architecture",
    "MLP_CL",
    "--epochs",
    String(epochs),
    "--limit-train",
    "3000",
    "--limit-test",
    "200",
    "--batch-size",
    "10",
    "--data-dir",
    dataDir,
    "--backend",
    "wasm",
    "--out",
    out,
  ];
  try {
    const run = `${dir}/run`;
    const first = denoCommand("train/main.ts", args(run)).spawn();
    const firstOut = first.output();
    // wait until it holds the folder and has saved its first checkpoint
    for (let i = 0; i < 3000; i++) {
      const ready = await Deno.stat(`${run}/config.json`).then(() => true, () => false);
      if (ready) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const host = Deno.hostname().replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const seconds = [args(run), ["ste", "--resume", run], ["ste", "--resume", `${run}/`]];
    for (const r of await Promise.all(seconds.map((a) => runDeno("train/main.ts", a)))) {
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          `^error: run folder .*run/? is in use by train pid ${first.pid} on ${host} since \\S+ \\(lock .*run/run\\.lock\\)\\n$`,
        ),
      );
    }
    const done = await firstOut;
    assert.equal(done.code, 0, new TextDecoder().decode(done.stderr));
    const files = await listFiles(run);
    assert.ok(!files.includes(LOCK_NAME), `the lock is released: ${files}`);
    assert.ok(files.includes("checkpoints/last.ckpt"));

    // a lock left by a killed train is taken over, and released at the end
    const stale = `${dir}/stale`;
    await Deno.mkdir(stale);
    await Deno.writeTextFile(`${stale}/${LOCK_NAME}`, lockText({ pid: await deadPid() }));
    const s = await runDeno("train/main.ts", args(stale, data, 1));
    assert.equal(s.code, 0, s.stderr);
    assert.ok(!(await listFiles(stale)).includes(LOCK_NAME));
    // a train that fails (here: damaged data files) releases the lock and leaves no empty folder
    const bad = `${dir}/bad`;
    await Deno.mkdir(`${dir}/data/mnist`, { recursive: true });
    for (
      const f of ["train-images-idx3", "train-labels-idx1", "t10k-images-idx3", "t10k-labels-idx1"]
    ) {
      await Deno.writeTextFile(`${dir}/data/mnist/${f}-ubyte`, "damaged");
    }
    const b = await runDeno("train/main.ts", args(bad, `${dir}/data`));
    assert.equal(b.code, 2, b.stderr);
    assert.match(b.stderr, /^error: .*ubyte/);
    await assert.rejects(() => Deno.stat(bad), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a lock file never appears without its holder (another process takes and releases it 30 times)", async () => {
  const dir = await Deno.makeTempDir();
  const lockPath = `${dir}/${LOCK_NAME}`;
  const module = new URL("../../train/run_lock.ts", import.meta.url).href;
  const script = `const { lockRunFolder } = await import(${JSON.stringify(module)});
    for (let i = 0; i < 30; i++) await (await lockRunFolder(${JSON.stringify(dir)})).release();`;
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["eval", script],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    let done = false;
    const status = child.output().then((o) => {
      done = true;
      return o;
    });
    let seen = 0;
    while (!done) {
      const text = await Deno.readTextFile(lockPath).catch(() => null);
      if (text === null) continue; // no lock at this moment
      seen++;
      assert.equal(typeof JSON.parse(text).pid, "number", `a lock read as ${JSON.stringify(text)}`);
    }
    const out = await status;
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    assert.ok(seen > 0, "the poller never saw the lock");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
