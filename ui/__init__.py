"""The browser chat over a qa index: `qa serve` or `python -m ui`.

Importing `ui` does not import Gradio; `ui.app` does. `ui.service` and `ui.render` hold the
parts that need no web framework (answers, uploads, rebuilds; HTML).
"""
