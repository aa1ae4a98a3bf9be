"""One id pattern for register ids and the API's filters."""

from __future__ import annotations

import pytest

from da_platform.api import app
from da_platform.identifiers import ID_PATTERN, is_valid_id


@pytest.mark.parametrize("text", ["15/9-F-12", "15/9-F-15 D", "VOLVE", "MÆRSK INSPIRER", "a" * 64, "F_1.2"])
def test_ids_as_npd_writes_them_are_valid(text: str) -> None:
    assert is_valid_id(text)


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+1", "-5", "@SUM(A1)", "\tx", "\rx", "<img src=x>", 'F"12', "VOLVE\n", "", "a" * 65, None, 12],
)
def test_formula_markup_control_and_overlong_ids_are_invalid(text: object) -> None:
    assert not is_valid_id(text)


def test_the_api_filters_use_the_register_pattern() -> None:
    assert app.NAME_PATTERN is ID_PATTERN
