#!/usr/bin/env python3
"""bench.py - run every performance target side by side and judge it.

Usage: bench.py BUILD_DIR [--quick]. Called by scripts/bench after a
release build. Every target is a ratio of medians of commands timed in
the same interleaved rounds (bench/timeit), so machine noise hits both
sides alike. Prints a table, writes BUILD_DIR/bench.json, and ends with
"K of N targets hold".
"""
import json
import os
import platform
import statistics
import subprocess
import sys

build = sys.argv[1]
quick = "--quick" in sys.argv[2:]
skvm = os.path.join(build, "simple-kvm")
floor = os.path.join(build, "bench", "floor")
timeit = os.path.join(build, "bench", "timeit")
guests = os.path.join(build, "bench")

REPEAT_RUNS = 201  # --repeat N for the rerun target
OUTLOOP_EXITS = 100000  # bench/guests/outloop.asm


def rounds(n):
    return max(2, n // 5) if quick else n


def measure(n, cmds):
    """cmds: {label: argv}. Returns {label: {us: [...], rss: [...], codes}}."""
    args = [timeit, str(n)]
    for i, (label, argv) in enumerate(cmds.items()):
        if i:
            args.append("::")
        args += [label] + argv
    out = subprocess.run(args, check=True, capture_output=True, text=True)
    res = {k: {"us": [], "rss": [], "codes": set()} for k in cmds}
    for line in out.stdout.splitlines():
        label, us, rss, code = line.split("\t")
        res[label]["us"].append(float(us))
        res[label]["rss"].append(int(rss))
        res[label]["codes"].add(int(code))
    return res


def stats(r):
    us = r["us"]
    return {"median_us": statistics.median(us), "min_us": min(us),
            "max_us": max(us), "n": len(us),
            "peak_rss_kib": max(r["rss"]), "exit_codes": sorted(r["codes"])}


rows = []  # one per measured comparison
targets = []  # (name, holds or None, note)


def row(name, a, b, ratio, goal, holds, note=""):
    rows.append({"name": name, "a": a, "b": b, "ratio": ratio,
                 "target": goal, "holds": holds, "note": note})
    return holds


def fmt_ms(s):
    return "%.2f/%.2f/%.2f" % (s["median_us"] / 1e3, s["min_us"] / 1e3,
                               s["max_us"] / 1e3)


# 1. Startup per mode against the floor program.
startup_ok = []
for mode in ["long", "protected", "paged32", "real"]:
    probe = subprocess.run([skvm, "--" + mode], capture_output=True)
    if probe.returncode == 3:
        row("startup " + mode, None, None, None, "<= 1.10x floor", None,
            "not measurable on this host: " +
            probe.stderr.decode().strip())
        continue
    r = measure(rounds(40), {
        "skvm": [skvm, "--" + mode],
        "floor": [floor, mode, "2M", "--no-coalesce"]})
    a, b = stats(r["skvm"]), stats(r["floor"])
    ratio = a["median_us"] / b["median_us"]
    startup_ok.append(row("startup " + mode, a, b, ratio, "<= 1.10x floor",
                          ratio <= 1.10 and a["exit_codes"] == [0]))
targets.append(("startup (all measurable modes)", all(startup_ok)))

# 2. Console: 1 MiB through port 0xE9, batched vs one exit per byte.
p1m = os.path.join(guests, "print1m.bin")
r = measure(rounds(3), {"batched": [skvm, p1m],
                        "per-exit": [skvm, "--no-coalesce", p1m]})
a, b = stats(r["batched"]), stats(r["per-exit"])
ratio = b["median_us"] / a["median_us"]
targets.append(("console 1 MiB", row(
    "console 1 MiB: per-exit / batched", a, b, ratio, ">= 10x",
    ratio >= 10 and a["exit_codes"] == [0] and b["exit_codes"] == [0])))

# 3. Exit round trip: simple-kvm's run loop against a raw KVM_RUN loop.
loop = os.path.join(guests, "outloop.bin")
r = measure(rounds(5), {
    "skvm": [skvm, "--no-coalesce", loop],
    "floor": [floor, "long", "2M", loop, "--no-coalesce"]})
a, b = stats(r["skvm"]), stats(r["floor"])
ratio = a["median_us"] / b["median_us"]
targets.append(("exit round trip", row(
    "port-exit loop x%d" % OUTLOOP_EXITS, a, b, ratio, "<= 1.10x floor",
    ratio <= 1.10 and a["exit_codes"] == [0],
    "%.2f us/exit (skvm), %.2f (floor)" % (
        a["median_us"] / OUTLOOP_EXITS, b["median_us"] / OUTLOOP_EXITS))))

# 4. Memory scale: --mem 64G against --mem 2M; the floor shows the kernel.
r = measure(rounds(10), {
    "64G": [skvm, "--mem", "64G"], "2M": [skvm, "--mem", "2M"],
    "floor64G": [floor, "long", "64G", "--no-coalesce"],
    "floor2M": [floor, "long", "2M", "--no-coalesce"]})
a, b = stats(r["64G"]), stats(r["2M"])
fa, fb = stats(r["floor64G"]), stats(r["floor2M"])
ratio = a["median_us"] / b["median_us"]
rss_ratio = a["peak_rss_kib"] / b["peak_rss_kib"]
row("floor 64G / floor 2M (kernel)", fa, fb,
    fa["median_us"] / fb["median_us"], "(reference)", None)
row("skvm 64G / floor 64G", a, fa, a["median_us"] / fa["median_us"],
    "(reference)", None)
targets.append(("memory scale", row(
    "--mem 64G / --mem 2M", a, b, ratio, "<= 1.2x, RSS <= 2x",
    ratio <= 1.2 and rss_ratio <= 2 and a["exit_codes"] == [0],
    "peak RSS %d / %d KiB = %.2fx" % (a["peak_rss_kib"], b["peak_rss_kib"],
                                      rss_ratio))))

# 5. Reruns: per-run cost of --repeat against a fresh process.
r = measure(rounds(20), {
    "fresh": [skvm], "repeat": [skvm, "--repeat", str(REPEAT_RUNS)]})
a, b = stats(r["fresh"]), stats(r["repeat"])
per_run = (b["median_us"] - a["median_us"]) / (REPEAT_RUNS - 1)
ratio = a["median_us"] / per_run if per_run > 0 else float("inf")
targets.append(("reruns", row(
    "fresh process / one --repeat run", a, b, ratio, ">= 20x",
    ratio >= 20 and b["exit_codes"] == [0],
    "%.1f us per rerun" % per_run)))

print("%-36s %-22s %-22s %8s  %-18s %s" % (
    "comparison", "A ms med/min/max", "B ms med/min/max", "ratio",
    "target", "result"))
for x in rows:
    res = {True: "pass", False: "FAIL", None: "-"}[x["holds"]]
    print("%-36s %-22s %-22s %8s  %-18s %s%s" % (
        x["name"], fmt_ms(x["a"]) if x["a"] else "-",
        fmt_ms(x["b"]) if x["b"] else "-",
        "%.2fx" % x["ratio"] if x["ratio"] is not None else "-",
        x["target"], res, ("  " + x["note"]) if x["note"] else ""))

held = sum(1 for _, h in targets if h)
report = {"host": platform.node(), "kernel": platform.release(),
          "quick": quick, "comparisons": rows,
          "targets": [{"name": n, "holds": h} for n, h in targets],
          "held": held, "total": len(targets)}
with open(os.path.join(build, "bench.json"), "w") as f:
    json.dump(report, f, indent=1)
print("results: %s" % os.path.join(build, "bench.json"))
print("%d of %d targets hold" % (held, len(targets)))
