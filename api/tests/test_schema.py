"""The OpenAPI schema, exercised by schemathesis against the running test server."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from api.services import token_replace

# Examples per operation: enough to vary codes, years, months and levels; the whole test stays
# well under a minute.
EXAMPLES = 40


@pytest.mark.django_db(transaction=True)
def test_every_operation_conforms_to_the_schema_and_never_fails(live_server, demo):
    schema = schemathesis.openapi.from_url(live_server.url + "/api/schema/")
    headers = {"Authorization": f"Token {token_replace(user=demo.officer).key}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} == {
        "/api/v1/units/{code}/",
        "/api/v1/units/{code}/progress/",
        "/api/v1/units/{code}/children/",
        "/api/v1/units/{code}/channels/",
    }
    statuses = []
    for operation in operations:
        # Real units first, so figures are checked against the schema, not only 404s.
        for code in ("p24", "d218", "vn", "p20"):
            case = operation.Case(path_parameters={"code": code}, query={"year": 2023, "month": 5})
            response = case.call_and_validate(headers=headers)
            statuses.append((operation.path, code, response.status_code))

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            response = case.call_and_validate(headers=headers)
            statuses.append((case.operation.path, "", response.status_code))

        check()
    assert ("/api/v1/units/{code}/progress/", "p24", 200) in statuses
    assert ("/api/v1/units/{code}/children/", "d218", 200) in statuses
    assert ("/api/v1/units/{code}/channels/", "p24", 200) in statuses
    assert ("/api/v1/units/{code}/", "p20", 404) in statuses  # Lạng Sơn: not the officer's
    assert not [s for s in statuses if s[2] >= 500]
    assert len(statuses) > 3 * EXAMPLES / 2
