/**
 * A real one-node Slurm for the tests, started and stopped by the test itself (there is no
 * systemd): a private `munged` (its own socket under a temp folder, the machine's
 * `/etc/munge/munge.key`), `slurmctld -D` and `slurmd -D` with a `slurm.conf` written under the
 * same temp folder — no cgroups (`proctrack/linuxproc`, `task/none`), `select/cons_tres` over this
 * machine's CPUs, state, spool, pid and log files in the folder, two free unprivileged ports. The
 * clients (`sbatch`, `squeue`, `scontrol`) find it through `SLURM_CONF` in {@linkcode Slurm.env}.
 *
 * Timing for short tests: `KillWait=5` (a preempted task gets SIGKILL 5 s after SIGTERM, not 30)
 * and `MinJobAge=30`. Slurm holds a requeued job back for about 2 minutes (its begin time is set
 * 120 s ahead, which no slurm.conf setting changes in 22.05); {@linkcode Slurm.releaseNow} sets
 * it to now (`scontrol update JobId=… StartTime=now`), as an administrator would.
 *
 * {@linkcode startSlurm} returns why it cannot start instead (not root — munged must run as the
 * `munge` user —, a missing program or key, a daemon that does not come up), for the test to skip
 * visibly.
 * @module
 */
import path from "node:path";

/** A running one-node Slurm. */
export interface Slurm {
  /** The temp folder holding slurm.conf, state, spool and logs. */
  dir: string;
  /** Environment for the clients: `SLURM_CONF`. */
  env: Record<string, string>;
  /** Runs a Slurm client command; resolves to its exit code and output. */
  run(command: string, args: string[]): Promise<{ code: number; out: string }>;
  /** Lets a held (requeued) job start now. */
  releaseNow(jobTask: string): Promise<void>;
  /** Cancels every job and stops the daemons; removes the folder. */
  stop(): Promise<void>;
}

const PROGRAMS = [
  "munged",
  "slurmctld",
  "slurmd",
  "sbatch",
  "squeue",
  "scontrol",
  "sinfo",
  "scancel",
  "setpriv",
];
const MUNGE_KEY = "/etc/munge/munge.key";

/** Whether `program` is on the PATH. */
function onPath(program: string): boolean {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (Deno.statSync(path.join(dir, program)).isFile) return true;
    } catch { /* not here */ }
  }
  return false;
}

/** A free TCP port on 127.0.0.1 (free now; taken again at once by the daemon). */
function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** The slurm.conf of the one-node cluster. */
function slurmConf(dir: string, host: string, cpus: number, ports: [number, number]): string {
  return `# one-node Slurm for bnn's tests (tests/sweep/_slurm.ts)
ClusterName=bnntest
SlurmctldHost=${host}(127.0.0.1)
SlurmctldPort=${ports[0]}
SlurmdPort=${ports[1]}
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=${dir}/munge/munge.sock
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
StateSaveLocation=${dir}/state
SlurmdSpoolDir=${dir}/spool
SlurmctldPidFile=${dir}/slurmctld.pid
SlurmdPidFile=${dir}/slurmd.pid
SlurmctldLogFile=${dir}/slurmctld.log
SlurmdLogFile=${dir}/slurmd.log
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
KillWait=5
MinJobAge=30
NodeName=${host} NodeAddr=127.0.0.1 CPUs=${cpus} State=UNKNOWN
PartitionName=bnn Nodes=${host} Default=YES MaxTime=INFINITE State=UP
`;
}

/** Runs `command args` to the end with `env`. */
async function runWith(env: Record<string, string>, command: string, args: string[]) {
  const r = await new Deno.Command(command, { args, env, stdout: "piped", stderr: "piped" })
    .output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

/** Why Slurm cannot start here, before trying; null when it may. */
function cannotStart(): string | null {
  if (Deno.uid() !== 0) return "not root (munged must run as the munge user)";
  const missing = PROGRAMS.filter((p) => !onPath(p));
  if (missing.length > 0) {
    return `missing ${missing.join(", ")} (apt-get install slurmctld slurmd slurm-client munge)`;
  }
  try {
    Deno.statSync(MUNGE_KEY);
  } catch {
    return `no ${MUNGE_KEY}`;
  }
  return null;
}

/** Waits until `sinfo` shows the node idle; false after `seconds`. */
async function waitIdle(env: Record<string, string>, seconds: number): Promise<boolean> {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    const r = await runWith(env, "sinfo", ["-h", "-o", "%T"]).catch(() => null);
    if (r?.code === 0 && r.out.trim() === "idle") return true;
    await new Promise((ok) => setTimeout(ok, 250));
  }
  return false;
}

/**
 * Starts munged, slurmctld and slurmd; returns the running Slurm, or why it could not start.
 *
 * @example Usage
 * ```ts ignore
 * const slurm = await startSlurm();
 * if (typeof slurm === "string") console.warn(`skipped: ${slurm}`);
 * else await slurm.stop();
 * ```
 */
export async function startSlurm(): Promise<Slurm | string> {
  const why = cannotStart();
  if (why !== null) return why;
  const dir = await Deno.makeTempDir({ prefix: "bnn-slurm-" });
  await Deno.chmod(dir, 0o755);
  for (const sub of ["munge", "state", "spool"]) await Deno.mkdir(path.join(dir, sub));
  const munge = path.join(dir, "munge");
  await Deno.chmod(munge, 0o755); // munged wants its socket's folder searchable by all
  await runWith({}, "chown", ["munge:munge", munge]);
  const host = Deno.hostname().split(".")[0]!;
  const conf = path.join(dir, "slurm.conf");
  await Deno.writeTextFile(
    conf,
    slurmConf(dir, host, navigator.hardwareConcurrency, [freePort(), freePort()]),
  );
  const env = { SLURM_CONF: conf };
  const children: Deno.ChildProcess[] = [];
  const spawn = (cmd: string, args: string[]) => {
    const child = new Deno.Command(cmd, {
      args,
      env,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    });
    children.push(child.spawn());
  };
  // setpriv execs munged (runuser would fork it, and its end would leave a zombie behind)
  spawn("setpriv", [
    "--reuid=munge",
    "--regid=munge",
    "--init-groups",
    "munged",
    "-F",
    `--socket=${munge}/munge.sock`,
    `--key-file=${MUNGE_KEY}`,
    `--pid-file=${munge}/munged.pid`,
    `--log-file=${munge}/munged.log`,
    `--seed-file=${munge}/seed`,
  ]);
  await new Promise((ok) => setTimeout(ok, 300));
  spawn("slurmctld", ["-D", "-f", conf]);
  spawn("slurmd", ["-D", "-f", conf]);
  const stop = async () => {
    await runWith(env, "scancel", ["--quiet", "--user=root"]).catch(() => {});
    for (const child of children.reverse()) {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      await child.status;
    }
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  if (!(await waitIdle(env, 30))) {
    const log = await Deno.readTextFile(path.join(dir, "slurmctld.log")).catch(() => "");
    await stop();
    return `slurmctld/slurmd did not come up within 30 s${
      log ? `: ${log.trim().split("\n").at(-1)}` : ""
    }`;
  }
  return {
    dir,
    env,
    run: (command, args) => runWith(env, command, args),
    releaseNow: async (jobTask) => {
      await runWith(env, "scontrol", ["update", `JobId=${jobTask}`, "StartTime=now"]);
    },
    stop,
  };
}
