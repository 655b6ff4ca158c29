"""`python -m ui [--index DIR] [--seeds DIR] [--host H] [--port N] [--auth USER:PASSWORD]` = `qa serve`.

It runs `python -m qa serve ...` in this process (the `qa` command's own entry point), so both
start the app the same way: arguments, messages and exit codes live in one place, and the app
imports nothing of qa's but what `qa` exports.
"""

import runpy
import sys

if __name__ == "__main__":
    sys.argv[1:1] = ["serve"]
    runpy.run_module("qa", run_name="__main__", alter_sys=True)
