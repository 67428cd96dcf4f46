"""The GraySort job of bench/graysort.ts, written for Python smallpond 0.15 (the system Firepond rebuilds).

bench/graysort.ts runs this file with the interpreter of a venv it keeps outside the repository and reads the one
JSON line it prints last. Same stages as the Firepond pipeline:

    read_parquet -> repartition(producers)             evenly by files, so the next step runs in parallel
                 -> map("*, <prefix expr> AS bucket")  smallpond's `by=` needs a column (ShuffleNode runs SELECT *)
                 -> repartition(P, by="bucket")        shuffle by key prefix, range-partitioned; smallpond plans a
                                                       single producer when run locally, so it gets every core
                 -> partial_sort("key")
                 -> write_parquet(output)

Times exclude interpreter start-up and `smallpond.init` (Ray start-up), as the Firepond figure excludes the Temporal
server and worker start-up.
"""

import argparse
import glob
import json
import os
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--inputs", nargs="+", required=True, help="input Parquet files")
    parser.add_argument("--output", required=True, help="output directory")
    parser.add_argument("--data-root", required=True, help="smallpond data root (job directories)")
    parser.add_argument("--partitions", type=int, required=True)
    parser.add_argument("--producers", type=int, required=True)
    parser.add_argument("--bucket-expr", required=True, help="SQL giving the partition index from the key")
    parser.add_argument("--shuffle-cpus", type=int, default=1, help="cpu_limit (DuckDB threads) of the shuffle task")
    args = parser.parse_args()

    started = time.time()
    import smallpond  # noqa: E402  (timed: the import pulls in Ray, DuckDB and Arrow)

    sp = smallpond.init(data_root=args.data_root)
    ready = time.time()

    df = sp.read_parquet(args.inputs)
    if args.producers > 1:
        df = df.repartition(args.producers)
    df = df.map(f"*, {args.bucket_expr} AS bucket")
    df = df.repartition(args.partitions, by="bucket", cpu_limit=args.shuffle_cpus)
    df = df.partial_sort(by="key")
    df.write_parquet(args.output)
    done = time.time()

    manifest = os.path.join(args.output, ".MANIFEST.txt")
    if os.path.exists(manifest):
        with open(manifest) as f:
            files = [line.strip() for line in f if line.strip()]
        files = [p if os.path.isabs(p) else os.path.join(args.output, p) for p in files]
        order = "manifest"
    else:
        files = sorted(glob.glob(os.path.join(args.output, "*.parquet")))
        order = "file names"
    sp.shutdown()
    print(json.dumps({
        "import_and_init_seconds": ready - started,
        "pipeline_seconds": done - ready,
        "files": files,
        "order": order,
        "versions": {"smallpond": getattr(smallpond, "__version__", "?"), "python": sys.version.split()[0]},
    }))


if __name__ == "__main__":
    main()
