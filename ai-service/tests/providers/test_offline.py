"""The offline provider: no network, deterministic, honest about what it cannot see."""

from __future__ import annotations

import pytest
from ai_service.images.prep import PreparedImage
from ai_service.pipeline.schemas import detail_schema
from ai_service.providers.base import ModelRequest
from ai_service.providers.offline import OfflineProvider
from ai_service.reference.catalog import reference


@pytest.mark.unit
class TestOffline:
    async def test_the_answer_fits_the_schema_and_the_colour_is_measured(self) -> None:
        ref = reference()
        palette = {code: str(v.data.get("hex", "")) for code, v in ref.values["colour"].items()}
        provider = OfflineProvider(palette)
        photo = PreparedImage(b"navy photo", 768, 576, centre_rgb=(28, 42, 74))
        request = ModelRequest(
            step="detail", system="", prompt="", schema=detail_schema(ref, "tops", 1),
            schema_name="x", images=(photo,),
        )  # fmt: skip
        first = await provider.generate(request)
        again = await provider.generate(request)
        assert first.data == again.data
        assert set(first.data) == set(request.schema["properties"])
        assert first.data["colours"] == ["navy"]
        assert first.data["colours_confidence"] == 0.5
        assert first.data["brand"] is None
        assert first.data["category"] in {v.code for v in ref.leaves("tops")}
        # A pick among the group's n categories is right once in n: its confidence says so.
        assert first.data["category_confidence"] == round(1 / len(ref.leaves("tops")), 3)
        assert first.data["brand_confidence"] == 0.0  # not read, not claimed
        assert first.data["size_confidence"] == 0.0
