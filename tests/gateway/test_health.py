from tests.conftest import assert_error


async def test_healthz_reports_database_and_redis_ok(api):
    response = await api.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


async def test_unknown_route_answers_404_in_the_error_shape(api):
    error = assert_error(await api.get("/api/v1/no-such-thing"), 404, "not_found")
    assert "未找到" in error["message"]
