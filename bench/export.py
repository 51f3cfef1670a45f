"""Exports at scale: time and peak memory of each format for a large event.

    .venv/bin/python bench/export.py [--sizes 10000,100000] [--formats csv,xlsx,json]

For each size N, seeds a fresh SQLite database with the demo event and then, with bulk
inserts straight into SQLite, N contributions (a third themed, a fifth with a response) from
5,000 participants, and N ballots over N/5,000 polls that are not secret (one per participant
and poll). Then runs `assembly export demo --format F --out DIR` for each format in a child
process and reads its wall time and peak resident memory (ru_maxrss from wait4). One JSON line
per export. The export streams its rows a batch at a time, so peak memory should stay about the
same from N=10,000 to N=100,000 while time grows linearly.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = 5000
SECRET = "bench-secret-key"
STAMP = "2030-05-01 10:00:00.000000"  # how SQLAlchemy stores a DateTime in SQLite
WORDS = "bus train clinic waiting records nurse GP access dignity choice trust staff".split()


def _seed(path: Path, n: int) -> None:
    from assembly.db import Database, migrate
    from assembly.demo import create_demo

    url = f"sqlite+aiosqlite:///{path}"
    migrate(url)

    async def demo() -> None:
        db = Database(url)
        async with db.write() as s:
            await create_demo(s)
        await db.dispose()

    asyncio.run(demo())
    rng = random.Random(12)
    con = sqlite3.connect(path)
    (event,) = con.execute("select id from event where slug = 'demo'").fetchone()
    (session,) = con.execute("select min(id) from session where event_id = ?", (event,)).fetchone()
    people = [f"{i:032x}" for i in range(PEOPLE)]
    con.executemany(
        "insert into participant (id, event_id, channel, role, display_name, group_name,"
        " table_label, joined_at) values (?, ?, ?, ?, ?, '', '', ?)",
        [
            (p, event, rng.choice(("room", "online")), "public", f"P{i}", STAMP)
            for i, p in enumerate(people)
        ],
    )
    con.executemany(
        "insert into contribution (event_id, session_id, participant_id, channel, kind, text,"
        " author_name, group_name, table_label, status, pinned, featured, answered, upvotes,"
        " created_at, outcome, outcome_reason) values (?, ?, ?, ?, 'idea', ?, '', '', '',"
        " 'visible', 0, 0, 0, ?, ?, 'open', '')",
        (
            (
                event,
                session,
                people[i % PEOPLE],
                "online",
                " ".join(rng.choices(WORDS, k=25)),
                rng.randrange(30),
                STAMP,
            )
            for i in range(n)
        ),
    )
    ids = [row[0] for row in con.execute("select id from contribution")]
    con.executemany(
        "insert into contribution_theme (contribution_id, theme) values (?, 'Awareness')",
        ((i,) for i in ids[::3]),
    )
    con.executemany(
        "insert into response (contribution_id, text, created_at) values (?, ?, ?)",
        ((i, "Thank you: we will take this to the board.", STAMP) for i in ids[::5]),
    )
    polls = max(1, n // PEOPLE)
    for k in range(polls):
        cur = con.execute(
            "insert into poll (event_id, session_id, position, question, kind, audience, status,"
            " revision, points, allow_statements, results, secret, published_ballots, majority)"
            " values (?, ?, ?, ?, 'single', 'everyone', 'closed', 0, 5, 0, 'live', 0, 0,"
            " 'simple')",
            (event, session, 100 + k, f"Bench poll {k}"),
        )
        poll = cur.lastrowid
        options = []
        for j, label in enumerate(("For", "Against", "Abstain")):
            c = con.execute(
                "insert into poll_option (poll_id, position, label, status) values"
                " (?, ?, ?, 'visible')",
                (poll, j, label),
            )
            options.append(c.lastrowid)
        con.executemany(
            "insert into ballot (poll_id, participant_id, option_id, marks, channel, group_name,"
            " role, hidden, cast_at) values (?, ?, ?, '', 'online', '', 'public', 0, ?)",
            ((poll, p, rng.choice(options), STAMP) for p in people[: min(PEOPLE, n)]),
        )
    con.commit()
    con.close()


def _export(path: Path, fmt: str, out: Path) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak resident memory (KiB) of one export in a child
    process."""
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{path}", "SECRET_KEY": SECRET}
    start = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "-m", "assembly", "export", "demo", "--format", fmt, "--out", str(out)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.monotonic() - start
    if status != 0:
        raise SystemExit(
            f"export {fmt} failed: {child.stderr.read().decode() if child.stderr else ''}"
        )
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--formats", default="csv,xlsx,json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(x) for x in args.sizes.split(",")):
            db = Path(tmp) / f"bench-{n}.db"
            started = time.monotonic()
            _seed(db, n)
            seeded = time.monotonic() - started
            for fmt in args.formats.split(","):
                out = Path(tmp) / f"out-{n}-{fmt}"
                seconds, cpu, peak = _export(db, fmt, out)
                size = sum(p.stat().st_size for p in out.iterdir())
                print(
                    json.dumps(
                        {
                            "scenario": f"export {fmt}",
                            "contributions": n,
                            "ballots": max(1, n // PEOPLE) * min(PEOPLE, n),
                            "seed_s": round(seeded, 1),
                            "export_s": round(seconds, 2),
                            "cpu_s": round(cpu, 2),
                            "peak_rss_mb": round(peak / 1024, 1),
                            "output_mb": round(size / 1e6, 1),
                        }
                    ),
                    flush=True,
                )


if __name__ == "__main__":
    main()
