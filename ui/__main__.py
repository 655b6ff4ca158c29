"""`python -m ui [--index DIR] [--seeds DIR] [--host H] [--port N] [--auth USER:PASSWORD]` = `qa serve`.

It runs the `qa` command's own entry point (`qa.cli:main`, the console script), so both
start the app the same way: arguments, messages and exit codes live in one place.
"""

import sys

from qa.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["serve", *sys.argv[1:]]))
