"""Every refused contract term has its own stable code with words on the terms form (app.projects.views
.TERM_ERRORS), and the params those words need: the form never shows the parser's English."""

import ast
import re
from pathlib import Path

from app.projects.views import TERM_ERRORS

TERMS = Path(__file__).resolve().parents[2] / "app" / "projects" / "terms.py"


def _raised() -> list[tuple[str, set[str]]]:
    """(code, keyword params) of each BadTerm and _Refused raised in terms.py; a code handed on is "exc.code"."""
    found = []
    for node in ast.walk(ast.parse(TERMS.read_text("utf-8"))):
        call = node.exc if isinstance(node, ast.Raise) else None
        if not isinstance(call, ast.Call) or getattr(call.func, "id", "") not in ("BadTerm", "_Refused"):
            continue
        code = call.args[1] if call.func.id == "_Refused" else None
        code = code or next((k.value for k in call.keywords if k.arg == "code"), None)
        params = {k.arg for k in call.keywords if k.arg not in (None, "code")}
        found.append((code.value if isinstance(code, ast.Constant) else ast.unparse(code) if code else "", params))
    return found


def test_every_term_code_raised_has_words_and_params() -> None:
    raised = _raised()
    assert len(raised) == 9, raised
    for code, params in raised:
        if code == "exc.code":  # BadTerm handing on a _Refused's code and params, checked as _Refused
            continue
        assert code in TERM_ERRORS, code
        assert set(re.findall(r"%\((\w+)\)s", TERM_ERRORS[code])) <= params, (code, params)
    assert {code for code, _ in raised} - {"exc.code"} == set(TERM_ERRORS)


def test_a_code_without_words_shows_no_english() -> None:
    """The shared coded_error never puts the server's English on a screen, even for a code nobody worded."""
    from app.core.i18n import coded_error, gettext_for

    text = coded_error(gettext_for("zh_CN"), TERM_ERRORS, "some_new_code", "some english detail here", {})
    assert "english" not in text and "some_new_code" in text and "管理员" in text, text
