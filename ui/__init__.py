"""The browser chat over a qa index: `qa serve` or `python -m ui`.

Importing `ui` does not import Gradio; `ui.app` (the layout) and `ui.handlers` (its event
handlers) do. The parts that need no web framework: `ui.service` (answers, the documents
panel, background rebuilds), `ui.uploads` (files into and out of the documents folder),
`ui.render` (HTML), `ui.login` (the chat login's throttling, by qa.Throttle). The UI uses only what `qa` exports.
"""
