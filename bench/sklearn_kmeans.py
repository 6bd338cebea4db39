"""scikit-learn's KMeans on a CSR matrix written by bench/recluster.bench.ts, as the peer.

Reads <dir>/meta.json ({"rows", "cols", "nnz"}), indptr.i32, indices.i32 and data.f32 (little
endian), fits KMeans with the given settings and prints one JSON line: seconds (fit only),
inertia, iterations, and scikit-learn's version. Run it with Debian's /usr/bin/python3 and the
python3-sklearn package.
"""

import argparse
import json
import os
import time

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.cluster import KMeans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", required=True, help="folder holding the CSR files")
    parser.add_argument("--k", type=int, required=True)
    parser.add_argument("--n-init", type=int, default=3)
    parser.add_argument("--tol", type=float, default=1e-4)
    parser.add_argument("--max-iter", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    with open(os.path.join(args.dir, "meta.json"), encoding="utf-8") as f:
        meta = json.load(f)
    indptr = np.fromfile(os.path.join(args.dir, "indptr.i32"), dtype="<i4")
    indices = np.fromfile(os.path.join(args.dir, "indices.i32"), dtype="<i4")
    data = np.fromfile(os.path.join(args.dir, "data.f32"), dtype="<f4")
    matrix = sp.csr_matrix((data, indices, indptr), shape=(meta["rows"], meta["cols"]))

    model = KMeans(
        n_clusters=args.k,
        init="k-means++",
        n_init=args.n_init,
        tol=args.tol,
        max_iter=args.max_iter,
        random_state=args.seed,
        algorithm="lloyd",
    )
    started = time.perf_counter()
    model.fit(matrix)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": seconds,
                "inertia": float(model.inertia_),
                "iterations": int(model.n_iter_),
                "version": sklearn.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
