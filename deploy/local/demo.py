"""``make demo``: the whole story of one item, through the gateway, against a running ``make run``.

Photos (front, back and the label, drawn here) → AI analysis → its suggestions accepted → the seller
corrects what the AI read wrong → published to eBay, Etsy and Vinted → live on each → a buyer pays on one
marketplace (its stand-in's control API) → the product is sold and withdrawn from the others. One line per
step with its time; the sale → delisted delay of each other marketplace at the end. Exits 1 naming the step
that failed, 2 when no fleet answers.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo_seller import DEMO_EMAIL, DemoSeller, DemoSetupError, ensure_demo_seller, refuse_outside_local
from fleet import SERVICES, Fleet

MARKETPLACES = ("ebay", "etsy", "vinted")
NAMES = {"ebay": "eBay", "etsy": "Etsy", "vinted": "Vinted"}
CATALOG = "/api/catalog"
# The item the photos show, as the seller knows it: what they correct the AI's reading to.
ITEM: dict[str, Any] = {
    "category": "jeans",
    "brand": "levi-s",
    "size_system": "waist",
    "size": "W32",
    "colours": ["blue"],
    "condition": "very_good",
    "gender": "men",
}
TITLE = "Levi's 501 straight jeans, blue, W32"


class DemoFailed(RuntimeError):
    """A step did not happen: the message says what was expected and what came back."""


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def jeans_photo(side: str) -> bytes:
    """A pair of blue jeans on a white background (the back a shade darker, with pockets)."""
    image = Image.new("RGB", (900, 1200), (246, 246, 244))
    draw = ImageDraw.Draw(image)
    denim = (38, 70, 140) if side == "front" else (30, 58, 120)
    draw.polygon(
        [(250, 120), (650, 120), (700, 1100), (480, 1100), (450, 420), (420, 1100), (200, 1100)], denim
    )
    draw.rectangle([250, 120, 650, 170], fill=(25, 45, 100))  # waistband
    if side == "back":
        for x in (300, 490):
            draw.rectangle([x, 230, x + 110, 350], outline=(200, 160, 60), width=5)
        draw.rectangle([560, 180, 630, 215], fill=(150, 90, 50))  # the leather patch
    else:
        draw.line([(450, 170), (450, 400)], fill=(200, 160, 60), width=5)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def label_photo() -> bytes:
    """The garment's label, printed as a seller photographs it: brand, model, size, composition."""
    image = Image.new("RGB", (900, 1200), (120, 110, 100))
    draw = ImageDraw.Draw(image)
    draw.rectangle([170, 220, 730, 980], fill=(245, 240, 228), outline=(60, 40, 30), width=6)
    lines = [
        ("LEVI STRAUSS & CO.", 46),
        ("501", 90),
        ("W32 L32", 70),
        ("100% COTTON", 52),
        ("MADE IN MEXICO", 36),
    ]
    y = 270
    for text, size in lines:
        font = _font(size)
        width = draw.textlength(text, font=font)
        draw.text(((900 - width) / 2, y), text, fill=(150, 20, 30) if size == 90 else (30, 30, 30), font=font)
        y += size + 60
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return "+".join(str(v) for v in value) or "-"
    return "-" if value is None else str(value)


class Demo:
    """The story, step by step, against one fleet (the gateway and the stand-ins' control APIs)."""

    def __init__(self, fleet: Fleet, sell_on: str, timeout: float, out: Callable[[str], None] = print):
        self.fleet, self.sell_on, self.timeout, self.out = fleet, sell_on, timeout, out
        self.started = time.monotonic()
        self.api = httpx.Client(base_url=fleet.url("gateway"), timeout=30)
        self.seller: DemoSeller | None = None
        self.delays: dict[str, float] = {}
        self.last_seen: dict[str, str] = {}  # each publication's last status, for a step that times out

    # -- plumbing --------------------------------------------------------------------------------------
    @contextmanager
    def step(self, name: str) -> Iterator[list[str]]:
        """Time one step and print one line: its name, its duration and what it found (appended to)."""
        notes: list[str] = []
        began = time.monotonic()
        try:
            yield notes
        except DemoSetupError as exc:
            raise DemoFailed(f"{name}: {exc}") from None
        except httpx.HTTPError as exc:
            raise DemoFailed(f"{name}: {type(exc).__name__} {exc}") from None
        except DemoFailed as exc:
            raise DemoFailed(f"{name}: {exc}") from None
        took = time.monotonic() - began
        self.out(f"[{time.monotonic() - self.started:6.1f} s] {name:<28} {took:5.1f} s  {'; '.join(notes)}")

    @property
    def auth(self) -> dict[str, str]:
        assert self.seller is not None
        return self.seller.auth

    def call(self, method: str, path: str, expect: int | tuple[int, ...] = 200, **kwargs: Any) -> Any:
        response = self.api.request(method, path, headers=self.auth, **kwargs)
        if response.status_code not in (expect if isinstance(expect, tuple) else (expect,)):
            raise DemoFailed(f"{method} {path} answered {response.status_code}: {response.text[:400]}")
        return response.json() if response.content else None

    def wait(self, what: str, probe: Callable[[], Any], still: Callable[[], str] | None = None) -> Any:
        """Poll ``probe`` every 0.2 s until it answers; the step fails after ``timeout`` (``still`` says why)."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            found = probe()
            if found:
                return found
            time.sleep(0.2)
        why = f" ({still()})" if still else ""
        raise DemoFailed(f"{what} did not happen within {self.timeout:g} s{why}")

    def publication(self, product: str, marketplace: str) -> dict[str, Any]:
        pubs = self.call("GET", f"{CATALOG}/products/{product}/publications")
        found = next((p for p in pubs if p["marketplace"] == marketplace), None)
        if found and found["status"] == "failed":
            raise DemoFailed(f"publishing to {NAMES[marketplace]} failed: {found.get('reason')}")
        return found or {}

    def still(self, marketplace: str) -> str:
        return f"the publication is still {self.last_seen.get(marketplace, 'not requested')}"

    def in_state(self, product: str, marketplace: str, status: str) -> dict[str, Any] | None:
        found = self.publication(product, marketplace)
        self.last_seen[marketplace] = found.get("status", "not requested")
        return found if found.get("status") == status else None

    # -- the story -------------------------------------------------------------------------------------
    def run(self) -> None:
        with self.step("demo seller ready") as notes:
            self.seller = ensure_demo_seller(self.api, timeout=self.timeout)
            notes.append(f"{self.seller.api.base_url} as {DEMO_EMAIL}; eBay, Etsy and Vinted connected")
        photos = self.upload()
        product = self.create(photos)
        analysis = self.analyse(product, photos)
        self.accept(product, analysis)
        self.correct(product)
        listed = self.publish(product)
        sold_at = self.sell(product, listed)
        self.delists(product, sold_at)
        self.out(
            "sale → delisted: "
            + ", ".join(f"{NAMES[m]} {s:.1f} s" for m, s in self.delays.items())
            + f"  (whole story {time.monotonic() - self.started:.1f} s)"
        )

    def upload(self) -> dict[str, str]:
        with self.step("upload photos") as notes:
            files = [
                ("files", ("front.jpg", jeans_photo("front"), "image/jpeg")),
                ("files", ("back.jpg", jeans_photo("back"), "image/jpeg")),
                ("files", ("label.jpg", label_photo(), "image/jpeg")),
            ]
            # 200: the same bytes were uploaded by an earlier demo (media keeps one copy per seller).
            results = self.call("POST", "/api/media/images", expect=(200, 201), files=files)["results"]
            ids = [str(r["image"]["id"]) for r in results]
            if len(ids) != 3:
                raise DemoFailed(f"3 photos sent, {len(ids)} stored: {results}")
            notes.append("front, back and the label (checked, oriented, stripped of metadata)")
            return dict(zip(("front", "back", "label"), ids, strict=True))

    def create(self, photos: dict[str, str]) -> str:
        with self.step("draft product") as notes:
            images = [{"media_id": m, "is_label": name == "label"} for name, m in photos.items()]
            body = {"title": "Jeans to describe", "stock_quantity": 1, "images": images}
            product = str(self.call("POST", f"{CATALOG}/products", expect=201, json=body)["id"])
            notes.append(f"product {product} with 3 photos, nothing else yet")
            return product

    def analyse(self, product: str, photos: dict[str, str]) -> dict[str, Any]:
        with self.step("AI analysis") as notes:
            body = {
                "image_ids": list(photos.values()),
                "label_image_id": photos["label"],
                "product_id": product,
            }
            # Same key on every try: a retry after a lost answer is the same analysis, charged once.
            headers = {**self.auth, "Idempotency-Key": f"demo-{product}"}
            for _ in range(5):  # 503: media or billing did not answer in time; they ask to try again shortly
                asked = self.api.post("/api/ai/analyses", json=body, headers=headers)
                if asked.status_code != 503:
                    break
                time.sleep(2)
            if asked.status_code == 402:
                raise DemoFailed(f"no AI credits left for the demo seller: {asked.json().get('detail')}")
            if asked.status_code not in (200, 202):
                raise DemoFailed(f"POST /api/ai/analyses answered {asked.status_code}: {asked.text[:400]}")
            analysis_id = asked.json()["id"]

            def done() -> dict[str, Any] | None:
                found: dict[str, Any] = self.call("GET", f"/api/ai/analyses/{analysis_id}")
                return found if found["status"] in {"completed", "failed"} else None

            analysis: dict[str, Any] = self.wait("the analysis", done)
            if analysis["status"] != "completed":
                raise DemoFailed(f"the analysis failed: {analysis.get('error')}")
            seen = analysis["result"]["attributes"]
            notes.append(
                ", ".join(
                    f"{name} {seen[name].get('reference_id') or seen[name].get('text')} "
                    f"({seen[name]['confidence']:.0%})"
                    for name in ("category", "brand", "size", "condition")
                )
            )
            cost = "from the cache, no credit" if analysis["cached"] else f"{analysis['credits']} credit(s)"
            notes.append(cost)
            return analysis

    def accept(self, product: str, analysis: dict[str, Any]) -> None:
        with self.step("accept AI suggestions") as notes:
            if self.has_suggestions():

                def arrived() -> dict[str, Any] | None:
                    found: dict[str, Any] = self.call("GET", f"{CATALOG}/products/{product}/suggestions")
                    return found if found["analysis_id"] == analysis["id"] and found["suggestions"] else None

                pending = self.wait("the analysis's suggestions at catalog", arrived)
                decided = self.call(
                    "POST", f"{CATALOG}/products/{product}/suggestions/accept", json={"all": True}
                )
                fields = decided["fields"]
                details = [f for f in fields if f.startswith("attributes.")]
                shown = [f for f in fields if f not in details] + (
                    [f"{len(details)} details"] if details else []
                )
                notes.append(f"{len(pending['suggestions'])} suggested, accepted: {', '.join(shown)}")
            else:
                fields = self.fields_from(analysis["result"])
                self.patch(product, fields)
                notes.append(
                    f"catalog has no suggestions endpoint: set {', '.join(fields)} from the analysis"
                )

    def has_suggestions(self) -> bool:
        """Whether catalog offers suggestions (the gateway's merged OpenAPI lists every service's paths)."""
        paths = httpx.get(f"{self.fleet.url('gateway')}/openapi.json", timeout=30).json().get("paths", {})
        return any(re.fullmatch(r"/api/catalog/products/\{[^}]+\}/suggestions/accept", p) for p in paths)

    @staticmethod
    def fields_from(result: dict[str, Any]) -> dict[str, Any]:
        """The product fields an analysis fills, from what it matched to catalog's codes."""
        seen = result["attributes"]
        fields: dict[str, Any] = {
            name: seen[name]["reference_id"]
            for name in ("category", "brand", "condition", "gender")
            if seen[name].get("reference_id")
        }
        if seen["size"].get("system") and seen["size"].get("value"):
            fields["size_system"], fields["size"] = seen["size"]["system"], seen["size"]["value"]
        if seen["colours"]["reference_ids"]:
            fields["colours"] = seen["colours"]["reference_ids"]
        if seen["materials"]["items"]:
            fields["materials"] = [
                {"material": m["reference_id"], "percent": m.get("percent")}
                for m in seen["materials"]["items"]
            ]
        drafts = result.get("drafts") or {}
        if drafts:
            shortest = min(drafts.values(), key=lambda d: len(d["title"]))
            fields["title"], fields["description"] = shortest["title"], shortest["description"]
        if result.get("price"):
            fields["price"] = str(Decimal(str(result["price"]["amount"])))
        return fields

    def patch(self, product: str, fields: dict[str, Any]) -> dict[str, Any]:
        current = self.call("GET", f"{CATALOG}/products/{product}")
        body = {**fields, "version": current["version"]}
        return dict(self.call("PATCH", f"{CATALOG}/products/{product}", json=body))

    def correct(self, product: str) -> None:
        with self.step("seller reviews") as notes:
            current = self.call("GET", f"{CATALOG}/products/{product}")
            wrong = {k: v for k, v in ITEM.items() if current.get(k) != v}
            fixes: dict[str, Any] = dict(wrong)
            if "category" in wrong:
                # Read for another kind of garment: its title and details do not describe these jeans.
                fixes.update(title=TITLE, attributes={})
            if not current.get("price"):
                fixes["price"] = "35.00"
            if not current.get("description"):
                fixes["description"] = "Classic 501, straight leg, barely worn."
            if fixes:
                self.patch(product, fixes)
                shown = [f"{k} {_shown(current.get(k))} → {_shown(v)}" for k, v in wrong.items()]
                notes.append("corrected " + ("; ".join(shown) if shown else "the missing price/description"))
            else:
                notes.append("the AI read everything right: nothing to correct")
            ready = self.api.post(
                f"{CATALOG}/products/{product}/status", json={"status": "ready"}, headers=self.auth
            )
            if ready.status_code != 200:
                raise DemoFailed(f"the product cannot be made ready: {ready.text[:400]}")
            final = ready.json()
            notes.append(f"ready: {final['title']!r} at {final['price']} {final['currency']}")

    def publish(self, product: str) -> dict[str, dict[str, Any]]:
        with self.step("publish everywhere") as notes:
            self.call(
                "POST",
                f"{CATALOG}/products/{product}/publications",
                expect=202,
                json={"marketplaces": list(MARKETPLACES)},
            )
            notes.append("requested on " + ", ".join(NAMES[m] for m in MARKETPLACES))
        began, listed = time.monotonic(), {}
        for marketplace in MARKETPLACES:
            with self.step(f"live on {NAMES[marketplace]}") as notes:
                found = self.wait(
                    f"the {NAMES[marketplace]} listing",
                    partial(self.in_state, product, marketplace, "listed"),
                    still=partial(self.still, marketplace),
                )
                listed[marketplace] = found
                notes.append(
                    f"{time.monotonic() - began:.1f} s after the request; listing {found['external_id']}"
                )
        return listed

    def sell(self, product: str, listed: dict[str, dict[str, Any]]) -> float:
        listing = listed[self.sell_on]["external_id"]
        with self.step(f"a buyer pays on {NAMES[self.sell_on]}") as notes:
            sold_at = time.monotonic()
            if self.sell_on == "ebay":
                url = f"{self.fleet.url('sandbox-ebay')}/sandbox/listings/{listing}/sell"
            elif self.sell_on == "etsy":
                url = f"{self.fleet.url('sandbox-etsy')}/sandbox/listings/{listing}/sell"
            else:
                url = f"{self.fleet.url('sandbox-vinted')}/_control/items/{listing}/sell"
            sold = httpx.post(url, json={"buyer": "marie"}, timeout=30)
            if sold.status_code != 200:
                raise DemoFailed(f"the {NAMES[self.sell_on]} stand-in refused the sale: {sold.text[:300]}")
            if self.sell_on == "vinted":  # Vinted's sales reach Vitrine through the plugin's sync
                self.call("POST", "/api/marketplaces/vinted/sync", expect=202)
            notes.append(f"listing {listing} bought through the stand-in's control API")
        with self.step("product sold") as notes:

            def is_sold() -> dict[str, Any] | None:
                found: dict[str, Any] = self.call("GET", f"{CATALOG}/products/{product}")
                return found if found["status"] == "sold" else None

            found = self.wait("the sale reaching catalog", is_sold)
            notes.append(
                f"{time.monotonic() - sold_at:.1f} s after the sale; stock {found['stock_quantity']}"
            )
        return sold_at

    def delists(self, product: str, sold_at: float) -> None:
        for marketplace in (m for m in MARKETPLACES if m != self.sell_on):
            with self.step(f"withdrawn from {NAMES[marketplace]}") as notes:
                self.wait(
                    f"the {NAMES[marketplace]} delist",
                    partial(self.in_state, product, marketplace, "delisted"),
                    still=partial(self.still, marketplace),
                )
                self.delays[marketplace] = time.monotonic() - sold_at
                notes.append(f"{self.delays[marketplace]:.1f} s after the sale")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sell-on", choices=MARKETPLACES, default="ebay", help="where the buyer pays")
    parser.add_argument("--port-offset", type=int, default=0, help="the fleet's ports (make run: 0)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds each step may take")
    args = parser.parse_args(argv)
    fleet = Fleet(port_offset=args.port_offset)
    try:
        refuse_outside_local({s.name: s.env_prefix for s in SERVICES})
    except DemoSetupError as exc:
        print(f"demo refused: {exc}", file=sys.stderr)
        return 1
    try:
        httpx.get(f"{fleet.url('gateway')}/healthz", timeout=5).raise_for_status()
    except httpx.HTTPError:
        print(
            f"No fleet answers at {fleet.url('gateway')}: start it with `make run` in another terminal,"
            " wait for its URLs and the demo login, then run `make demo` again.",
            file=sys.stderr,
        )
        return 2
    demo = Demo(fleet, args.sell_on, args.timeout)
    print("Vitrine demo: one pair of jeans photographed, described, listed three times, sold once")
    try:
        demo.run()
    except DemoFailed as exc:
        print(f"demo failed at {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
