#!/usr/bin/python3
"""The README's shell commands run as written both as root on a machine without sudo and as a
user with sudo: none calls sudo itself (the scripts elevate only their package installation,
and only when not root), and every script they run exists."""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    text = open(os.path.join(ROOT, "README.md")).read()
    commands = [line.strip() for block in re.findall(r"```sh\n(.*?)```", text, re.S)
                for line in block.splitlines() if line.strip() and not line.strip().startswith("#")]
    problems = []
    for command in commands:
        if re.match(r"(\S+=\S+\s+)*sudo\b", command):
            problems.append(f"'{command}' starts with sudo, which a root shell may lack")
        for script in re.findall(r"\bbash\s+(scripts/\S+\.sh)", command):
            if not os.path.isfile(os.path.join(ROOT, script)):
                problems.append(f"'{command}' runs {script}, which does not exist")
    if not any(re.match(r"bash scripts/quickstart\.sh\b", c) for c in commands):
        problems.append("the README does not run scripts/quickstart.sh")
    if problems:
        sys.exit("README.md: " + "\n".join(problems))
    print(f"README.md: {len(commands)} commands, none through sudo")


if __name__ == "__main__":
    main()
