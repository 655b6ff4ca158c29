"""`python -m ui [--index DIR] [--seeds DIR] [--host H] [--port N] [--auth USER:PASSWORD]` = `qa serve`."""

import sys

from qa.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["serve", *sys.argv[1:]]))
