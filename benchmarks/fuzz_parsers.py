"""Coverage-guided fuzzing of slacore's parsers with atheris, for a bounded time.

    python benchmarks/fuzz_parsers.py [--seconds 60] [--target all|events|policy|...]

Each target turns the fuzzer's bytes into input for one parser (events from JSON and JSON
Lines, policies, calendar specs, YAML/JSON/TOML text).  The rule it checks is the one the
hypothesis tests in ``tests/fuzz`` check: only ``InvalidInput`` (the documented validation
error) may escape.  Anything else is a finding: libFuzzer writes the input to
``fuzz-findings/<target>-crash-…`` and the run fails.  Needs ``pip install atheris``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from slacore.clock import BusinessCalendar
from slacore.errors import InvalidInput
from slacore.events import from_json, loads_jsonl
from slacore.loading import parse_text
from slacore.policies import parse_policy

ROOT = Path(__file__).resolve().parents[1]
SEEDS = {
    "events": [
        b'{"type":"opened","event_id":"e1","ticket_id":"INC1","at":"2026-03-02T09:00:00+01:00",'
        b'"fields":{"priority":"P2","status":"new"}}',
        b'{"type":"updated","event_id":"e2","ticket_id":"INC1","at":"2026-03-02T10:00:00Z",'
        b'"changes":{"status":"awaiting_customer"},"seq":3}',
        b'{"type":"maintenance_scheduled","event_id":"m1","service_id":"email","at":'
        b'"2026-03-01T00:00:00Z","window_id":"w1","start":"2026-03-02T01:00:00Z",'
        b'"end":"2026-03-02T03:00:00Z"}',
    ],
    "policy": [(ROOT / "examples" / "standard-incident.yaml").read_bytes()],
    "calendar": [
        b'{"timezone":"Europe/Berlin","hours":{"mon":["09:00-12:00","13:00-17:00"],'
        b'"tue":["22:00-06:00"]},"holidays":["2026-12-25",{"country":"DE","subdiv":"BY"}],'
        b'"overrides":{"2026-12-24":["09:00-12:00"]}}',
    ],
}


def _events(data: bytes) -> None:
    from_json(data)


def _jsonl(data: bytes) -> None:
    loads_jsonl(data)


def _document(data: bytes) -> Any:
    text = data.decode("utf-8", "replace")
    return parse_text(text, "yaml")


def _policy(data: bytes) -> None:
    doc = _document(data)
    if isinstance(doc, dict):
        parse_policy(doc, calendars=["business", "apac-business"])


def _calendar(data: bytes) -> None:
    try:
        spec = json.loads(data)
    except (ValueError, RecursionError):
        return  # not JSON: the text target covers the document parsers
    BusinessCalendar.from_spec(spec)


def _text(data: bytes) -> None:
    if not data:
        return
    fmt = ("yaml", "json", "toml")[data[0] % 3]
    parse_text(data[1:].decode("utf-8", "replace"), fmt)


TARGETS: dict[str, Callable[[bytes], Any]] = {
    "events": _events, "jsonl": _jsonl, "policy": _policy, "calendar": _calendar,
    "text": _text,
}


def _child(name: str, seconds: float) -> None:
    """Fuzz one target in this process until libFuzzer's time budget runs out."""
    import atheris

    target = TARGETS[name]
    corpus = ROOT / ".fuzz-corpus" / name
    corpus.mkdir(parents=True, exist_ok=True)
    findings = ROOT / "fuzz-findings"
    findings.mkdir(exist_ok=True)
    for i, seed in enumerate(SEEDS.get(name, SEEDS["events"])):
        (corpus / f"seed-{i}").write_bytes(seed)

    def one(data: bytes) -> None:
        # The documented refusal is fine; anything else propagates: a finding.
        with contextlib.suppress(InvalidInput):
            target(data)

    atheris.instrument_all()
    atheris.Setup([sys.argv[0], f"-max_total_time={int(seconds)}", "-rss_limit_mb=4096",
                   f"-artifact_prefix={findings}/{name}-", str(corpus)], one)
    atheris.Fuzz()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0, help="per target")
    parser.add_argument("--target", default="all", choices=["all", *TARGETS])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.target, args.seconds)
        return
    names = list(TARGETS) if args.target == "all" else [args.target]
    failed = False
    for name in names:
        started = time.monotonic()
        proc = subprocess.run(
            [sys.executable, __file__, "--child", "--target", name, "--seconds",
             str(args.seconds)],
            capture_output=True, text=True, timeout=args.seconds + 300,
        )
        runs = re.findall(r"Done (\d+) runs", proc.stderr)
        count = int(runs[-1]) if runs else 0
        if proc.returncode == 0:
            status = "ok: only InvalidInput escaped"
        else:
            failed = True
            lines = [ln for ln in proc.stderr.splitlines() if "Error" in ln or "crash-" in ln]
            status = "FINDING " + " | ".join(lines[-3:])
        print(f"{name:9s} {count:>9,} inputs in {time.monotonic() - started:5.0f} s  {status}",
              flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
