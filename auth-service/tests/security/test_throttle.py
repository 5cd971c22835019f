from __future__ import annotations

from datetime import UTC, datetime, timedelta

from auth_service.models import LoginThrottle
from auth_service.security.throttle import ThrottlePolicy, record_failure, wait_seconds

POLICY = ThrottlePolicy(
    free_failures=5, window_s=900, base_delay_s=2, max_delay_s=900, lock_after=20, lock_s=3600
)


class TestPolicy:
    def test_backoff_starts_after_five_failures_and_doubles(self) -> None:
        row = LoginThrottle(key="account:a", window_failures=0, consecutive_failures=0)
        now = datetime(2026, 1, 1, tzinfo=UTC)
        waits = []
        for _ in range(8):
            record_failure(row, POLICY, now)
            waits.append(wait_seconds(row, now))
        assert waits == [0, 0, 0, 0, 2, 4, 8, 16]

    def test_an_attacker_who_waits_out_every_delay_is_locked_before_100_failures(self) -> None:
        row = LoginThrottle(key="account:a", window_failures=0, consecutive_failures=0)
        now = datetime(2026, 1, 1, tzinfo=UTC)
        failures = 0
        while row.locked_until is None and failures < 100:
            now += timedelta(seconds=wait_seconds(row, now) + 1)
            record_failure(row, POLICY, now)
            failures += 1
        assert 20 <= failures <= 25  # a few drain away while the delays are waited out
        assert wait_seconds(row, now) >= 3600 - 1

    def test_one_bad_login_an_hour_never_locks_the_account(self) -> None:
        row = LoginThrottle(key="account:a", window_failures=0, consecutive_failures=0)
        now = datetime(2026, 1, 1, tzinfo=UTC)
        for _ in range(72):
            now += timedelta(hours=1)
            record_failure(row, POLICY, now)
            assert wait_seconds(row, now) == 0
        assert row.locked_until is None

    def test_a_lock_drains_so_the_owner_is_not_locked_out_for_good(self) -> None:
        row = LoginThrottle(key="account:a", window_failures=0, consecutive_failures=0)
        now = datetime(2026, 1, 1, tzinfo=UTC)
        for _ in range(20):
            record_failure(row, POLICY, now)
        assert wait_seconds(row, now) >= 3600 - 1
        # A day later, one more typo does not lock the account again.
        now += timedelta(days=1)
        record_failure(row, POLICY, now)
        assert wait_seconds(row, now) == 0

    def test_quiet_window_resets_backoff_and_the_lock_count_drains_slowly(self) -> None:
        row = LoginThrottle(key="account:a", window_failures=0, consecutive_failures=0)
        now = datetime(2026, 1, 1, tzinfo=UTC)
        for _ in range(6):
            record_failure(row, POLICY, now)
        later = now + timedelta(hours=1)
        record_failure(row, POLICY, later)
        assert wait_seconds(row, later) == 0
        assert row.consecutive_failures == 6 - 3 + 1  # 20 drain per 6 h: 3 in an hour


class TestLoginThrottling:
    async def test_sixth_failure_is_answered_429_with_retry_after(self, flows) -> None:
        registered = await flows.register()
        bad = {"email": registered["email"], "password": "wrong password"}
        statuses = [(await flows.client.post("/login", json=bad)).status_code for _ in range(5)]
        assert statuses == [401] * 5
        throttled = await flows.client.post("/login", json=bad)
        assert throttled.status_code == 429
        assert int(throttled.headers["retry-after"]) >= 1
        # Even the right password waits: the delay is per account, not per guess.
        right = await flows.client.post(
            "/login", json={"email": registered["email"], "password": flows.PASSWORD}
        )
        assert right.status_code == 429

    async def test_per_ip_budget_across_accounts(self, start) -> None:
        async with start(ip_free_failures=8) as flows:
            for _ in range(8):
                response = await flows.client.post(
                    "/login", json={"email": flows.email(), "password": "wrong password"}
                )
                assert response.status_code == 401
            blocked = await flows.client.post(
                "/login", json={"email": flows.email(), "password": "wrong password"}
            )
            assert blocked.status_code == 429
            other_ip = await flows.client.post(
                "/login",
                json={"email": flows.email(), "password": "wrong password"},
                headers={"X-Forwarded-For": "192.0.2.77"},
            )
            assert other_ip.status_code == 401

    async def test_hard_lock_after_twenty_failures_lifted_by_password_reset(self, start) -> None:
        async with start(throttle_base_delay_s=0, ip_free_failures=1000) as flows:
            registered = await flows.register()
            bad = {"email": registered["email"], "password": "wrong password"}
            statuses = [(await flows.client.post("/login", json=bad)).status_code for _ in range(20)]
            assert statuses == [401] * 20
            right = {"email": registered["email"], "password": flows.PASSWORD}
            locked = await flows.client.post("/login", json=right)
            assert locked.status_code == 429
            assert int(locked.headers["retry-after"]) > 3000
            await flows.client.post("/password-reset", json={"email": registered["email"]})
            token = flows.mailer.last(registered["email"], "password_reset").token
            body = {"token": token, "new_password": "a fresh password"}
            assert (await flows.client.post("/password-reset/confirm", json=body)).status_code == 204
            await flows.login(registered["email"], "a fresh password")

    async def test_success_clears_the_account_counter(self, flows) -> None:
        registered = await flows.register()
        bad = {"email": registered["email"], "password": "wrong password"}
        for _ in range(4):
            await flows.client.post("/login", json=bad)
        await flows.login(registered["email"])
        statuses = [(await flows.client.post("/login", json=bad)).status_code for _ in range(5)]
        assert statuses == [401] * 5
