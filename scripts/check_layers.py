#!/usr/bin/env python3
"""Checks that every #include in src/ follows an arrow that docs/architecture.md allows.

The table under the heading "Allowed arrows" in docs/architecture.md lists, for each room (a
folder of src/), the rooms whose headers it may include. An include of a room's own headers is
always allowed; any other include of "room/..." must be listed. Each violation is printed as
FILE:LINE: message, and the exit status is 1 if there is any (2 when the table cannot be read).

    /usr/bin/python3 scripts/check_layers.py [REPO_ROOT]
"""
import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([A-Za-z0-9_]+)/[^"]+"')


def allowed_arrows(doc_text):
    """{room: set of rooms it may include}, from the 'Allowed arrows' table."""
    lines = doc_text.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.startswith("## Allowed arrows"))
    except StopIteration:
        raise ValueError("docs/architecture.md has no '## Allowed arrows' section")
    arrows = {}
    for line in lines[start + 1:]:
        if line.startswith("## "):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.lstrip().startswith("|") or len(cells) != 2:
            continue
        room = cells[0].strip("`")
        if room in ("room", "") or set(room) <= set("-: "):
            continue
        targets = cells[1]
        arrows[room] = set() if targets in ("", "-", "nothing") else {
            t.strip().strip("`") for t in targets.split(",")}
    if not arrows:
        raise ValueError("the 'Allowed arrows' table of docs/architecture.md lists no room")
    return arrows


def violations(root, arrows):
    src = root / "src"
    found = []
    rooms_on_disk = sorted(p.name for p in src.iterdir() if p.is_dir())
    for room in rooms_on_disk:
        if room not in arrows:
            found.append(f"src/{room}: a room that the table in docs/architecture.md does not list")
    for path in sorted(src.rglob("*")):
        if path.suffix not in (".hpp", ".cpp", ".h", ".cc") or not path.is_file():
            continue
        room = path.relative_to(src).parts[0]
        allowed = arrows.get(room, set())
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            m = INCLUDE.match(line)
            if not m or m.group(1) == room:
                continue
            target = m.group(1)
            if target not in arrows:
                found.append(f"{path.relative_to(root)}:{number}: includes '{target}/', "
                             f"which is not a room of src/")
            elif target not in allowed:
                found.append(f"{path.relative_to(root)}:{number}: {room} -> {target} is not an "
                             f"allowed arrow (docs/architecture.md: {room} may include "
                             f"{', '.join(sorted(allowed)) or 'nothing'})")
    return found


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent)
    try:
        arrows = allowed_arrows((root / "docs" / "architecture.md").read_text())
    except (OSError, ValueError) as e:
        print(f"check_layers: {e}", file=sys.stderr)
        return 2
    found = violations(root, arrows)
    for v in found:
        print(v)
    print(f"check_layers: {len(found)} violation(s) in the includes of src/")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
