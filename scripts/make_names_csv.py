#!/usr/bin/env python3
"""Builds a names -> country CSV from the PyPI package names-dataset 3.3.1.

The package ships two gzip pickles (first and last names); for each name they hold, per
country, its popularity rank there (1 = most common). For every country we draw full names
"First Last" as follows, deterministically (a fixed seed, sorted candidate lists):

  * candidates: first (last) names ranked in that country, written in Latin letters
    (each character a letter below U+0250; parts joined by spaces, hyphens or apostrophes);
  * a name is drawn with probability proportional to 1 / rank (Zipf's law, the usual model
    of name frequencies), first and last name independently;
  * duplicate full names are redrawn, so every row is a distinct person name, and so are
    names already drawn for another country (countries in the order given): a name with two
    labels would be label noise that no model can get right on both rows, and one split
    across training and test would cost a class its TPR for nothing the class is about. The
    ambiguity between countries stays where it belongs: GB, US, IE and CA draw from largely
    the same first and last names.

Usage: make_names_csv.py WHEEL_OR_DIR OUT.csv [--per-country N] [--seed S] [--countries GB,US,...]
WHEEL_OR_DIR is the downloaded .whl file or a directory holding names_dataset/v3/*.pkl.gz.
Only the Python standard library is needed.
"""
import argparse, csv, gzip, io, os, pickle, random, sys, zipfile

COUNTRIES = "GB,US,IE,CA,FR,DE,IT,ES,IN,BR"   # GB/US/IE/CA share names: a hard cluster


def load(source, name):
    member = f"names_dataset/v3/{name}.pkl.gz"
    if os.path.isdir(source):
        with open(os.path.join(source, member), "rb") as f:
            raw = f.read()
    else:
        with zipfile.ZipFile(source) as z:
            raw = z.read(member)
    return pickle.load(gzip.GzipFile(fileobj=io.BytesIO(raw)))


def latin(name):
    ok = False
    for ch in name:
        if ch in " -'":
            continue
        if not (ch.isalpha() and ord(ch) < 0x250):
            return False
        ok = True
    return ok


def candidates(table, country):
    out = [(n, info["rank"][country]) for n, info in table.items()
           if country in info.get("rank", {}) and info["rank"][country] and latin(n)]
    out.sort(key=lambda p: (p[1], p[0]))
    return [n for n, _ in out], [1.0 / r for _, r in out]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("source")
    ap.add_argument("out")
    ap.add_argument("--per-country", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=20240813)
    ap.add_argument("--countries", default=COUNTRIES)
    a = ap.parse_args()
    first, last = load(a.source, "first_names"), load(a.source, "last_names")
    rows = []
    taken = set()   # full names drawn for any country so far
    for country in a.countries.split(","):
        rng = random.Random(f"{a.seed}-{country}")
        fn, fw = candidates(first, country)
        ln, lw = candidates(last, country)
        if not fn or not ln:
            sys.exit(f"make_names_csv: no names for country {country}")
        seen = set()
        attempts = 0
        while len(seen) < a.per_country and attempts < 50 * a.per_country:
            attempts += 1
            name = rng.choices(fn, fw)[0] + " " + rng.choices(ln, lw)[0]
            if name not in taken:
                seen.add(name)
                taken.add(name)
                rows.append((name, country))
        print(f"  {country}: {len(seen)} names ({len(fn)} first, {len(ln)} last name candidates)")
    random.Random(a.seed).shuffle(rows)
    tmp = a.out + ".tmp"
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["name", "label"])
        w.writerows(rows)
    os.replace(tmp, a.out)
    print(f"wrote {len(rows)} rows to {a.out}")


if __name__ == "__main__":
    main()
