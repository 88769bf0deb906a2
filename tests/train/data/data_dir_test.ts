import assert from "node:assert/strict";
import { cacheDir, mirrorUrls, searchDirs } from "../../../train/data/data_dir.ts";

/** Runs `fn` with some environment variables set (undefined = unset), restoring them after. */
function withEnv(vars: Record<string, string | undefined>, fn: () => void): void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, Deno.env.get(k)]));
  const apply = (v: Record<string, string | undefined>) => {
    for (const [k, val] of Object.entries(v)) {
      val === undefined ? Deno.env.delete(k) : Deno.env.set(k, val);
    }
  };
  apply(vars);
  try {
    fn();
  } finally {
    apply(saved);
  }
}

Deno.test("cacheDir() prefers the option, then XDG_CACHE_HOME/bnn, then ~/.cache/bnn", () => {
  withEnv({ XDG_CACHE_HOME: "/x/cache", HOME: "/home/u" }, () => {
    assert.equal(cacheDir({ cacheDir: "/opt/c" }), "/opt/c");
    assert.equal(cacheDir(), "/x/cache/bnn");
  });
  withEnv(
    { XDG_CACHE_HOME: undefined, HOME: "/home/u" },
    () => assert.equal(cacheDir(), "/home/u/.cache/bnn"),
  );
  withEnv(
    { XDG_CACHE_HOME: undefined, HOME: undefined },
    () => assert.throws(() => cacheDir(), TypeError),
  );
});

Deno.test("searchDirs() looks in dataDir or BNN_DATA_DIR, then the cache", () => {
  withEnv({ BNN_DATA_DIR: "/env/data", XDG_CACHE_HOME: "/x" }, () => {
    assert.deepEqual(searchDirs({ dataDir: "/d" }), ["/d", "/x/bnn"]);
    assert.deepEqual(searchDirs(), ["/env/data", "/x/bnn"]);
    assert.deepEqual(searchDirs({ dataDir: "/x/bnn" }), ["/x/bnn"]);
  });
  withEnv(
    { BNN_DATA_DIR: undefined, XDG_CACHE_HOME: "/x" },
    () => assert.deepEqual(searchDirs(), ["/x/bnn"]),
  );
});

Deno.test("mirrorUrls() prefers the option, then BNN_DATA_MIRROR, then the official URLs", () => {
  const official = ["https://a.org/m/", "http://b.org/m/"];
  withEnv({ BNN_DATA_MIRROR: undefined }, () => {
    assert.deepEqual(mirrorUrls(official), official);
    assert.deepEqual(mirrorUrls(official, ["http://127.0.0.1:1/a", "file:///srv/m/"]), [
      "http://127.0.0.1:1/a/",
      "file:///srv/m/",
    ]);
  });
  withEnv({ BNN_DATA_MIRROR: "http://h1/x, http://h2/y/" }, () => {
    assert.deepEqual(mirrorUrls(official), ["http://h1/x/", "http://h2/y/"]);
    assert.deepEqual(mirrorUrls(official, "http://opt/"), ["http://opt/"]);
  });
  assert.throws(() => mirrorUrls(official, "not a url"), /not a URL: current value is "not a url"/);
  assert.throws(() => mirrorUrls(official, "ftp://h/"), /scheme must be http, https or file/);
});
