"""Move one tenant to another database in every service of a local fleet (each service's ``move-tenant``).

    uv run --frozen python deploy/local/move_tenant.py <tenant-id> <shard> [--shards b] [--db-suffix S]
    [--service catalog-service ...]

The fleet must run with those databases (``--shards`` as given to it; every service with a database). Prints one JSON line per service:
rows copied, pending events moved, how long the tenant was paused. A service that never saw the tenant
says ``not here``. Rerun after an interruption: each service's move resumes where it stopped.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fleet import Fleet


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("tenant_id")
    parser.add_argument("shard", help="'home' or one of --shards")
    parser.add_argument("--shards", default="b", help="the fleet's extra databases, comma-separated")
    parser.add_argument("--db-suffix", default="")
    parser.add_argument("--port-offset", type=int, default=0)
    parser.add_argument("--service", action="append", help="only these services (default: every one)")
    args = parser.parse_args()
    fleet = Fleet(
        port_offset=args.port_offset,
        db_suffix=args.db_suffix,
        shards=tuple(s for s in args.shards.split(",") if s),
    )
    for name, report in fleet.move_tenant(args.tenant_id, args.shard, args.service).items():
        print(json.dumps({"service": name, **report}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
