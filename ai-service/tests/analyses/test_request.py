"""``POST /analyses`` end to end: the AI stand-in answers, the worker runs the steps."""

from __future__ import annotations

from ai_service.reference.catalog import DATA_DIR, reference


def detail_calls(calls: list[dict]) -> list[dict]:
    return [c for c in calls if "brand" in c["schema_properties"]]


def category_calls(calls: list[dict]) -> list[dict]:
    return [c for c in calls if c["schema_properties"][:2] == ["category", "category_confidence"]]


class TestRequestAnalysis:
    async def test_two_steps_read_the_category_then_its_group_s_attributes(self, seller) -> None:
        ids = seller.photos(3)
        notes = seller.hints(category="jeans", category_confidence=0.9)
        done = await seller.analyse(image_ids=ids, label_image_id=ids[2], notes=notes)
        assert done["status"] == "completed", done
        assert done["pipeline"] == "two_step"
        assert done["result"]["category_step"] == {"category": "jeans", "confidence": 0.9, "trusted": True}
        assert done["result"]["attributes"]["category"]["reference_id"] == "jeans"
        gemini = await seller.app.sandbox.requests("gemini")
        assert len(gemini) == 2
        first, detail = gemini
        assert first["image_count"] == 2  # the label is marked: no thumbnails to search it
        assert "label_photo" not in first["schema_properties"]
        # The detail schema is built for bottoms: a rise, no neckline and no sport.
        assert "rise" in detail["schema_properties"]
        assert "neckline" not in detail["schema_properties"]
        assert "sport" not in detail["schema_properties"]
        assert [u["step"] for u in done["usage"]] == ["category", "detail", "drafts"]
        assert all(u["input_tokens"] > 0 for u in done["usage"])

    async def test_an_uncertain_category_gets_one_full_call(self, seller) -> None:
        ids = seller.photos(2)
        done = await seller.analyse(image_ids=ids, notes=seller.hints(category_confidence=0.2))
        assert done["status"] == "completed", done
        assert done["pipeline"] == "full"
        assert done["result"]["category_step"]["trusted"] is False
        detail = detail_calls(await seller.app.sandbox.requests("gemini"))
        assert len(detail) == 1
        for attribute in ("rise", "neckline", "sport", "lining"):
            assert attribute in detail[0]["schema_properties"]
        assert [u["step"] for u in done["usage"]] == ["category", "full", "drafts"]

    async def test_each_field_has_its_own_confidence(self, seller) -> None:
        notes = seller.hints(
            category="t-shirts",
            category_confidence=0.93,
            colours_confidence=0.91,
            gender="women",
            gender_confidence=0.44,
            condition_score=8,
            condition_score_confidence=0.66,
            neckline="v-neck",
            neckline_confidence=0.58,
        )
        done = await seller.analyse(image_ids=seller.photos(2), notes=notes)
        attributes = done["result"]["attributes"]
        assert attributes["category"]["confidence"] == 0.93
        assert attributes["colours"]["confidence"] == 0.91
        assert attributes["gender"] == {
            "reference_id": "women",
            "text": "Women",
            "matched": True,
            "confidence": 0.44,
        }
        assert attributes["condition"] == {"score": 8, "reference_id": "very_good", "confidence": 0.66}
        assert attributes["neckline"]["reference_id"] == "v-neck"
        assert attributes["neckline"]["confidence"] == 0.58
        assert attributes["colours"]["reference_ids"]
        assert set(attributes["colours"]["reference_ids"]) <= set(reference().codes("colour"))

    async def test_a_brand_catalog_does_not_know_stays_text(self, seller) -> None:
        before = (DATA_DIR / "brands.json").read_bytes()
        notes = seller.hints(category_confidence=0.9, brand="Maison Inventée", brand_confidence=0.8)
        done = await seller.analyse(image_ids=seller.photos(2), notes=notes)
        brand = done["result"]["attributes"]["brand"]
        assert brand == {"reference_id": None, "text": "Maison Inventée", "matched": False, "confidence": 0.8}
        [event] = await seller.emitted("ai.analysis.completed")
        assert event["attributes"]["brand"]["matched"] is False
        assert event["attributes"]["brand"]["reference_id"] is None
        assert reference().match_brand("Maison Inventée") is None
        assert (DATA_DIR / "brands.json").read_bytes() == before

    async def test_a_known_brand_is_matched_by_its_alias(self, seller) -> None:
        notes = seller.hints(category_confidence=0.9, brand="LEVIS", brand_confidence=0.95)
        done = await seller.analyse(image_ids=seller.photos(2), notes=notes)
        brand = done["result"]["attributes"]["brand"]
        assert brand == {"reference_id": "levi-s", "text": "Levi's", "matched": True, "confidence": 0.95}

    async def test_the_marked_label_is_read_even_past_the_photo_cap(self, seller) -> None:
        await seller.plan("tiny", 3)
        ids = seller.photos(6)
        done = await seller.analyse(
            image_ids=ids, label_image_id=ids[5], notes=seller.hints(category_confidence=0.9)
        )
        assert done["result"]["photos_read"] == [ids[0], ids[1], ids[5]]
        assert done["result"]["label_image_id"] == ids[5]
        [detail] = detail_calls(await seller.app.sandbox.requests("gemini"))
        sizes = [max(i["width"], i["height"]) for i in detail["images"]]
        assert sizes == [768, 768, 1536]  # the label is sent larger, so that its print can be read

    async def test_the_first_pass_finds_an_unmarked_label(self, seller) -> None:
        ids = seller.photos(4)
        done = await seller.analyse(image_ids=ids, notes=seller.hints(category_confidence=0.9, label_photo=4))
        assert done["result"]["label_image_id"] == ids[3]
        assert ids[3] in done["result"]["photos_read"]
        first, detail = await seller.app.sandbox.requests("gemini")
        assert "label_photo" in first["schema_properties"]
        # Two photos to classify, thumbnails of the others to find the label among them.
        sides = [max(i["width"], i["height"]) for i in first["images"]]
        assert sides[:2] == [768, 768]
        assert all(side <= 384 for side in sides[2:])  # at most 384 px: the fewest tokens an image costs
        assert max(detail["images"][3]["width"], detail["images"][3]["height"]) == 1536

    async def test_the_plan_caps_the_photos_read(self, seller) -> None:
        ids = seller.photos(7)
        free = await seller.analyse(image_ids=ids, notes=seller.hints(category_confidence=0.9))
        assert free["photo_limit"] == 5
        assert len(free["result"]["photos_read"]) == 5
        await seller.plan("pro", 20)
        pro = await seller.analyse(image_ids=ids, notes=seller.hints(category_confidence=0.9))
        assert pro["photo_limit"] == 20
        assert pro["result"]["photos_read"] == ids
        detail = detail_calls(await seller.app.sandbox.requests("gemini"))
        assert [c["image_count"] for c in detail] == [5, 7]

    async def test_a_product_is_analysed_again_with_the_photos_it_had(self, seller) -> None:
        product = "7b0f3c52-58c4-4c7e-9f59-0d8a1d1d2f6a"
        ids = seller.photos(2)
        first = await seller.analyse(product_id=product, image_ids=ids)
        again = await seller.ask(expect=200, product_id=product)
        assert again["image_ids"] == ids
        assert again["cached"] is True
        assert again["result"] == first["result"]

    async def test_a_new_product_needs_its_photos(self, seller) -> None:
        response = await seller.post("/analyses", json={"product_id": "7b0f3c52-58c4-4c7e-9f59-0d8a1d1d2f6a"})
        assert response.status_code == 422
        assert response.json()["type"].endswith("photos-required")

    async def test_a_missing_photo_is_named(self, seller) -> None:
        ids = [*seller.photos(1), "0c4d6f9e-8d58-4b8e-a1c6-3b1b6f7cfe0e"]
        response = await seller.post("/analyses", json={"image_ids": ids})
        assert response.status_code == 422
        assert response.json()["type"].endswith("photo-not-found")
        assert response.json()["image_id"] == ids[1]
        assert seller.reservations() == []

    async def test_the_label_must_be_one_of_the_photos(self, seller) -> None:
        ids = seller.photos(2)
        response = await seller.post(
            "/analyses", json={"image_ids": ids, "label_image_id": seller.photos(1)[0]}
        )
        assert response.status_code == 422

    async def test_drafts_are_written_per_marketplace_within_its_limits(self, seller) -> None:
        notes = seller.hints(
            category="jeans", category_confidence=0.9, brand="Levi's", size_label="W32", size="waist:W32"
        )
        done = await seller.analyse(image_ids=seller.photos(2), notes=notes, language="fr")
        drafts = done["result"]["drafts"]
        assert set(drafts) == {"ebay", "etsy", "vinted"}
        assert len(drafts["ebay"]["title"]) <= 80
        assert len(drafts["etsy"]["title"]) <= 140
        assert 5 <= len(drafts["vinted"]["title"]) <= 100
        assert len(drafts["vinted"]["description"]) <= 2000
        assert len(drafts["etsy"]["tags"]) <= 13
        assert all(len(t) <= 20 for t in drafts["etsy"]["tags"])
        assert all(d["written_by"] == "gpt-4o-mini" for d in drafts.values())
        [openai] = await seller.app.sandbox.requests("openai")
        assert openai["image_count"] == 0  # drafts are written from the attributes, not the photos
        assert done["result"]["price"]["currency"] == "EUR"
        assert "Levi's" in done["result"]["price"]["reason"]

    async def test_tokens_and_outcomes_are_counted(self, app, seller) -> None:
        await seller.analyse(image_ids=seller.photos(2))
        metrics = (await app.client.get("/metrics")).text
        assert (
            'ai_provider_tokens_total{direction="input",model="gemini-2.5-flash",provider="gemini"' in metrics
        )
        assert 'ai_analyses_total{outcome="completed"}' in metrics

    async def test_the_analysis_is_announced(self, seller) -> None:
        product = "5e7a51f1-3f39-4d39-8c9f-51d0f9a3c6c4"
        done = await seller.analyse(product_id=product, image_ids=seller.photos(2))
        [event] = await seller.emitted("ai.analysis.completed")
        assert event["analysis_id"] == done["id"]
        assert event["product_id"] == product
        assert event["attributes"] == done["result"]["attributes"]
        assert event["cached"] is False
        assert event["credits_spent"] == done["credits"] == 1  # AI_ANALYSIS_PRICE_CREDITS
