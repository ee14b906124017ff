"""No CORS, so no automatic OPTIONS routes (they cost start-up time): OPTIONS is a 405."""

from tests.conftest import assert_error


async def test_options_answers_405_in_the_error_shape_and_head_still_works(api):
    assert_error(await api.options("/api/v1/mp/domains"), 405, "method_not_allowed")
    head = await api.head("/healthz")
    assert head.status_code == 200
    assert head.content == b""
