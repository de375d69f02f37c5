"""The zh-CN catalogue covers every message the templates and code mark for translation."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from app.core.i18n import translations

ROOT = Path(__file__).resolve().parents[2]


def test_every_marked_message_has_a_chinese_translation(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "-k",
            "_t:2",
            "-k",
            "NC_:1c,2",
            "-o",
            str(pot),
            "--no-location",
            "--omit-header",
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    # A message is its context and its text: "Back" (a link) and "Back" (the back third) are two messages.
    with pot.open("rb") as fh:
        wanted = {(m.context, m.id) for m in read_po(fh) if m.id}
    with (ROOT / "app/locale/zh_CN/LC_MESSAGES/messages.po").open("rb") as fh:
        catalog = read_po(fh, locale="zh_CN")
    translated = {(m.context, m.id) for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(str(m) for m in wanted - translated)
    assert not missing, f"run ./scripts/i18n.sh and translate: {missing}"


def test_catalogue_translates_at_run_time() -> None:
    assert translations("zh_CN").gettext("Sign in") == "登录"
    assert translations("en").gettext("Sign in") == "Sign in"


# --- every code a user sees has a label in both languages -------------------------------------------------------

# Audit actions built at run time (f-strings in app/), spelled out.
DYNAMIC_ACTIONS = {
    "record.page_delete",
    "record.page_insert",
    "custody.checkout",
    "custody.return",
    "user.enable",
    "user.disable",
    "account.password_change",
    "account.totp_enroll",
}


def _app_enums() -> set[type]:
    """Every Enum class defined in a module of app/."""
    import importlib
    import inspect
    import pkgutil
    from enum import Enum

    import app

    found = set()
    for info in pkgutil.walk_packages(app.__path__, "app."):
        module = importlib.import_module(info.name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, Enum) and obj.__module__.startswith("app.") and obj.__module__ == module.__name__:
                found.add(obj)
    return found


def _audit_literals() -> tuple[set[str], set[str]]:
    """The action and outcome strings that app/ passes to record_event as literals."""
    import ast

    actions, outcomes = set(), set()
    for path in (ROOT / "app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "record_event"):
                continue
            if len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
                actions.add(node.args[1].value)
            for kw in node.keywords:
                if kw.arg == "outcome":
                    outcomes |= {c.value for c in ast.walk(kw.value) if isinstance(c, ast.Constant)}
    return actions, outcomes


def test_every_enum_shown_to_a_user_has_a_label_in_both_languages() -> None:
    from enum import Enum

    from app import wording as labels

    registered = {source for source, _ in labels.ENUMS.values() if isinstance(source, type)}
    registered |= {type(c) for source, _ in labels.ENUMS.values() for c in source if isinstance(c, Enum)}
    unlabelled = sorted(e.__qualname__ for e in _app_enums() - registered - set(labels.NOT_SHOWN))
    assert not unlabelled, f"register these enums in app/wording.py ENUMS (or NOT_SHOWN with a reason): {unlabelled}"
    from app.core.i18n import gettext_for

    zh = gettext_for("zh_CN")  # honours a label's context (NC_)
    problems = []
    for kind in labels.ENUMS:
        for code in labels.code_values(kind):
            msgid = labels.ENUMS[kind][1].get(code)
            if msgid is None:
                problems.append(f"{kind}.{code}: no label")
            elif zh(msgid) == msgid:
                problems.append(f"{kind}.{code}: {msgid!r} has no Chinese translation")
    assert not problems, problems


def test_every_audit_action_and_outcome_has_a_label() -> None:
    from app import wording as labels

    actions, outcomes = _audit_literals()
    assert "signin.second_factor" in actions and "password_ok" in outcomes  # the scan sees what it should
    assert sorted((actions | DYNAMIC_ACTIONS) - set(labels.AUDIT_ACTION_LABELS)) == []
    assert sorted(outcomes - set(labels.AUDIT_OUTCOME_LABELS)) == []
    zh = translations("zh_CN")
    assert zh.gettext(labels.label("audit_action", "signin.second_factor")) == "登录第二因素验证"
    assert zh.gettext(labels.label("audit_outcome", "password_ok")) == "密码正确，待第二因素"


def test_words_with_two_meanings_carry_their_context() -> None:
    zh = translations("zh_CN")
    assert zh.pgettext("link", "Back") == "返回"  # the handover sheet's link back
    assert zh.pgettext("sample third", "Back") == "后段"  # the back third of a lot
    assert zh.pgettext("front-page field", "Operation") == "手术及操作"
    assert zh.pgettext("export status", "Failed") == "失败"
    assert zh.pgettext("pagination", "First") != "首页"  # 首页 is the records' front page
