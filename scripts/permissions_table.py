"""Write the permission matrix (app/accounts/permissions.py) into README.md between its markers.

.venv/bin/python scripts/permissions_table.py          # rewrite README.md
.venv/bin/python scripts/permissions_table.py --check  # exit 1 if README.md is out of date
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.accounts.models import Role  # noqa: E402
from app.accounts.permissions import MATRIX, MFA_REQUIRED, Perm  # noqa: E402

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- permissions:start -->", "<!-- permissions:end -->"


def table() -> str:
    """The matrix as a Markdown table, a row per permission, a column per role."""
    roles = list(Role)
    lines = ["| permission | " + " | ".join(r.value for r in roles) + " |", "|---|" + "---|" * len(roles)]
    for perm in Perm:
        lines.append(f"| `{perm.value}` | " + " | ".join("✔" if r in MATRIX[perm] else "" for r in roles) + " |")
    lines.append("")
    lines.append(
        "Two-factor sign-in (TOTP) is required for: "
        + ", ".join(f"`{r.value}`" for r in roles if r in MFA_REQUIRED)
        + "."
    )
    return "\n".join(lines)


def main() -> int:
    """Rewrite or check the README section."""
    text = README.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{START}\n{table()}\n{END}{tail}"
    if "--check" in sys.argv:
        return 0 if new == text else 1
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
