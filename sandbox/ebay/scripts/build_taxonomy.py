"""Build ``src/sandbox_ebay/data/taxonomy.json`` from eBay's clothing subtrees per site (the reference data
of ``/work/shared/data/ebay-taxonomy``, as eBay's ``get_category_subtree`` returned them).

Kept per site: the category tree id, the root, and each category's localized name, parent and leaf flag —
what the sandbox's Taxonomy calls (default tree id, suggestions, aspects) need.
Run: ``uv run python sandbox/ebay/scripts/build_taxonomy.py [source dir]``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SITES = ("EBAY_FR", "EBAY_GB", "EBAY_DE", "EBAY_ES", "EBAY_IT", "EBAY_NL", "EBAY_BE", "EBAY_PL")
OUT = Path(__file__).resolve().parents[1] / "src" / "sandbox_ebay" / "data" / "taxonomy.json"


def main(source: Path) -> None:
    out: dict[str, dict[str, object]] = {}
    total = 0
    for site in SITES:
        tree = json.loads((source / f"clothing_{site}.json").read_text(encoding="utf-8"))
        categories = {}
        for c in tree["categories"]:
            parent = str(c.get("parent_category_id") or "").rpartition("category_id=")[2]
            categories[str(c["category_id"])] = [
                c["category_name"],
                parent if parent not in ("", "0") else None,
                bool(c["is_leaf"]),
            ]
        total += len(categories)
        out[site] = {
            "tree_id": str(tree["category_tree_id"]),
            "root": str(tree["root_category_id"]),
            "categories": categories,
        }
    OUT.write_text(json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{OUT}: {total} categories over {len(out)} sites")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/shared/data/ebay-taxonomy"))
