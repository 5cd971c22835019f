"""The offline provider reads the label photo's text with Tesseract; without it, colours only."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from ai_service.images.prep import PreparedImage, prepare_sync
from ai_service.pipeline.schemas import category_schema, detail_schema
from ai_service.providers.base import ModelRequest
from ai_service.providers.label_text import LabelParser
from ai_service.providers.ocr import Line, OcrStatus, TesseractReader, Word, parse_tsv
from ai_service.providers.offline import OfflineProvider
from ai_service.reference.catalog import Reference, reference
from PIL import Image, ImageDraw, ImageFont

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None or not FONT.exists(),
    reason="tesseract or the DejaVu font is not installed (deploy/local/ensure-infra.sh installs tesseract)",
)


def palette(ref: Reference) -> dict[str, str]:
    return {code: str(v.data.get("hex", "")) for code, v in ref.values["colour"].items()}


def label_photo(lines: list[str]) -> bytes:
    font = ImageFont.truetype(str(FONT), 56)
    image = Image.new("RGB", (1400, 110 * len(lines) + 120), (250, 250, 245))
    draw = ImageDraw.Draw(image)
    for n, text in enumerate(lines):
        draw.text((70, 60 + 110 * n), text, font=font, fill=(25, 25, 25))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


def plain_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), (28, 42, 74)).save(out, format="JPEG")
    return out.getvalue()


def prepared(data: bytes, role: str) -> PreparedImage:
    jpeg, width, height, centre = prepare_sync(data, 1536, 50_000_000)
    return PreparedImage(jpeg, width, height, role=role, centre_rgb=centre)


def detail(ref: Reference, *images: PreparedImage) -> ModelRequest:
    return ModelRequest(
        step="full", system="", prompt="", schema=detail_schema(ref, None, len(images)),
        schema_name="x", images=images,
    )  # fmt: skip


LABEL = ["SANDRO", "TAILLE 38", "80% Coton", "20% Polyester", "Lavage en machine 30°C", "Fabriqué en Italie"]


class AbsentTesseract(TesseractReader):
    @property
    def available(self) -> bool:
        return False


@needs_tesseract
@pytest.mark.unit
class TestReadLabel:
    async def test_a_marked_label_gives_brand_size_materials_and_origin(self) -> None:
        ref = reference()
        provider = OfflineProvider(palette(ref), ref)
        answer = await provider.generate(
            detail(ref, prepared(plain_photo(), "photo"), prepared(label_photo(LABEL), "label"))
        )
        data = answer.data
        assert data["brand"] == "Sandro"
        assert data["size"] == "eu:38"
        assert data["materials"] == [
            {"material": "cotton", "percent": 80},
            {"material": "polyester", "percent": 20},
        ]
        assert data["origin"] == "italy"
        for field in ("brand", "size", "materials", "origin"):
            assert 0.5 < data[f"{field}_confidence"] <= 1.0, field
        assert data["colours"] == ["navy"]  # still measured on the first photo

    async def test_an_unmarked_label_is_found_as_the_photo_with_most_text(self) -> None:
        ref = reference()
        provider = OfflineProvider(palette(ref), ref)
        photos = (prepared(plain_photo(), "photo"), prepared(label_photo(LABEL), "photo"))
        found = await provider.generate(
            ModelRequest(
                step="category",
                system="",
                prompt="",
                schema=category_schema(ref, 2, True),
                schema_name="x",
                images=photos,
            )
        )
        assert found.data["label_photo"] == 2
        answer = await provider.generate(detail(ref, *photos))
        assert answer.data["brand"] == "Sandro"
        assert answer.data["size"] == "eu:38"

    async def test_a_photo_with_no_text_gives_no_label_fields(self) -> None:
        ref = reference()
        provider = OfflineProvider(palette(ref), ref)
        answer = await provider.generate(detail(ref, prepared(plain_photo(), "label")))
        data = answer.data
        assert (data["brand"], data["size"], data["materials"], data["origin"]) == (None, None, [], None)
        assert data["brand_confidence"] == data["size_confidence"] == data["materials_confidence"] == 0.0
        assert data["colours"] == ["navy"]


@pytest.mark.unit
class TestWithoutTesseract:
    async def test_an_absent_binary_gives_colours_only(self) -> None:
        ref = reference()
        provider = OfflineProvider(palette(ref), ref, AbsentTesseract(binary="/nonexistent/tesseract"))
        answer = await provider.generate(
            detail(ref, prepared(plain_photo(), "photo"), prepared(plain_photo(), "label"))
        )
        assert answer.data["brand"] is None
        assert answer.data["materials"] == []
        assert answer.data["colours"] == ["navy"]
        result = await provider.reader.read(plain_photo())
        assert result.status is OcrStatus.ABSENT

    async def test_a_timeout_gives_colours_only(self, tmp_path: Path) -> None:
        slow = tmp_path / "tesseract"
        slow.write_text("#!/bin/sh\nexec sleep 30\n")
        slow.chmod(0o755)
        ref = reference()
        reader = TesseractReader(binary=str(slow), timeout_s=0.5)
        provider = OfflineProvider(palette(ref), ref, reader)
        answer = await provider.generate(detail(ref, prepared(label_photo(LABEL), "label")))
        assert answer.data["brand"] is None
        assert answer.data["size"] is None
        assert answer.data["brand_confidence"] == 0.0
        assert (await reader.read(plain_photo())).status is OcrStatus.TIMEOUT

    async def test_a_failing_binary_is_reported_not_raised(self, tmp_path: Path) -> None:
        broken = tmp_path / "tesseract"
        broken.write_text("#!/bin/sh\necho 'Error: no such language' >&2\nexit 1\n")
        broken.chmod(0o755)
        result = await TesseractReader(binary=str(broken)).read(plain_photo())
        assert result.status is OcrStatus.FAILED
        assert "no such language" in result.detail


def line(text: str, confidence: float = 0.9) -> Line:
    return Line(tuple(Word(w, confidence, 0) for w in text.split()))


@pytest.mark.unit
class TestParseLabel:
    def test_multilingual_composition_sizes_and_origin(self) -> None:
        parser = LabelParser(reference())
        sizes = list(reference().values["size"])
        reading = parser.read(
            [line("Levis"), line("GRÖSSE W32"), line("98% Baumwolle"), line("2% Elasthan"),
             line("Hergestellt in Portugal")],
            sizes,
        )  # fmt: skip
        assert reading.brand is not None
        assert reading.brand.value == "levi-s"
        assert reading.size is not None
        assert reading.size.value == "waist:W32"
        assert reading.materials == [("cotton", 98), ("elastane", 2)]
        assert reading.origin is not None
        assert reading.origin.value == "portugal"

    def test_other_systems_convert_with_less_confidence(self) -> None:
        parser = LabelParser(reference())
        sizes = list(reference().values["size"])
        eu = parser.read([line("TAGLIA EU 38")], sizes).size
        it = parser.read([line("TAGLIA IT 42")], sizes).size
        assert eu is not None
        assert it is not None
        assert eu.value == it.value == "eu:38"
        assert it.confidence < eu.confidence

    def test_a_composition_that_does_not_sum_to_100_is_doubted(self) -> None:
        parser = LabelParser(reference())
        whole = parser.read([line("80% cotton"), line("20% polyester")], []).materials_confidence
        broken = parser.read([line("80% cotton"), line("70% polyester")], []).materials_confidence
        assert broken < whole / 2

    def test_an_unlisted_country_is_other_at_half_confidence(self) -> None:
        reading = LabelParser(reference()).read([line("Made in Bangladesh")], [])
        assert reading.origin is not None
        assert reading.origin.value == "other"
        assert reading.origin.confidence == 0.45

    def test_tsv_rows_become_lines_of_words(self) -> None:
        header = (
            "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
        )
        rows = ["5\t1\t1\t1\t1\t1\t0\t0\t1\t1\t91.5\t80%", "5\t1\t1\t1\t1\t2\t0\t0\t1\t1\t88\tCoton",
                "4\t1\t1\t1\t2\t0\t0\t0\t1\t1\t-1\t", "5\t1\t1\t1\t2\t1\t0\t0\t1\t1\t70\tItalie"]  # fmt: skip
        lines = parse_tsv("\n".join([header, *rows]))
        assert [entry.text for entry in lines] == ["80% Coton", "Italie"]
        assert lines[0].words[0].confidence == 0.915


@needs_tesseract
@pytest.mark.unit
class TestCategoryFitsTheSize:
    async def test_a_waist_size_moves_the_picked_category_to_one_that_takes_it(self) -> None:
        ref = reference()
        provider = OfflineProvider(palette(ref), ref)
        label = prepared(label_photo(["LEVIS", "SIZE W32", "100% Cotton"]), "label")
        answer = await provider.generate(detail(ref, label))
        assert answer.data["size"] == "waist:W32"
        groups = ref.values["size"]["waist:W32"].data["groups"]
        assert ref.group_of(answer.data["category"]) in groups
        fitting = [v for v in ref.leaves() if v.data.get("group") in groups]
        assert answer.data["category_confidence"] <= round(1 / len(fitting), 3)
