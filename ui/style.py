"""The app's CSS and the two small scripts attached to its HTML components."""

CSS = """
.gradio-container { max-width: 1200px !important; width: 100% !important; margin: 0 auto; }
#qa-header h1 { font-size: 1.35rem; margin: 0 0 .2rem; }
#qa-header p { margin: 0; color: var(--body-text-color-subdued); font-size: .9rem; }
.qa-status { font-size: .85rem; color: var(--body-text-color-subdued); padding: .2rem 0; }
.qa-status .qa-error { color: var(--error-text-color, #b91c1c); }
.qa-ok { color: #15803d; } .qa-warn { color: #b45309; } .qa-bad, .qa-error { color: #b91c1c; }
.qa-ok-text { color: #15803d; }
.qa-bar { display: inline-block; width: 8rem; height: .5rem; border-radius: .25rem; vertical-align: middle;
          background: var(--neutral-200, #e5e7eb); overflow: hidden; }
.qa-bar > span { display: block; height: 100%; background: var(--color-accent, #f97316); transition: width .4s; }

#qa-transcript { max-height: calc(100vh - 290px); min-height: 12rem; overflow-y: auto !important; padding-right: .25rem; }
.qa-welcome { color: var(--body-text-color-subdued); padding: 1rem; border: 1px dashed var(--border-color-primary);
              border-radius: .5rem; }
.qa-welcome p { margin: .25rem 0; }
.qa-turn { margin: 0 0 1.25rem; }
.qa-q { display: flex; gap: .5rem; align-items: baseline; }
.qa-q p { margin: 0; font-weight: 600; white-space: pre-wrap; overflow-wrap: anywhere; }
.qa-who { font-size: .7rem; text-transform: uppercase; letter-spacing: .05em; color: var(--body-text-color-subdued); }
.qa-a { margin: .4rem 0 0; padding: .75rem .9rem; border-radius: .6rem; background: var(--background-fill-secondary);
        border: 1px solid var(--border-color-primary); }
.qa-answer { margin: 0 0 .5rem; line-height: 1.55; font-size: 1rem; }
.qa-quote { quotes: "“" "”"; }
.qa-cite { text-decoration: none; font-size: .8em; font-weight: 600; margin: 0 .25rem 0 .1rem; vertical-align: super;
           color: var(--color-accent, #ea580c); cursor: pointer; }
.qa-notfound { margin: 0 0 .5rem; }
.qa-note { margin: 0 0 .4rem; font-size: .85rem; color: var(--body-text-color-subdued); }
.qa-message { margin: 0; }
.qa-pending { color: var(--body-text-color-subdued); }
.qa-sources h4 { margin: .5rem 0 .25rem; font-size: .75rem; text-transform: uppercase; letter-spacing: .05em;
                 color: var(--body-text-color-subdued); }
.qa-closest h4 span { text-transform: none; letter-spacing: 0; font-weight: 400; }
.qa-closest { border-left: 3px solid #d97706; padding-left: .6rem; }
.qa-passage { border-top: 1px solid var(--border-color-primary); padding: .3rem 0; }
.qa-passage summary { cursor: pointer; font-size: .85rem; overflow-wrap: anywhere; }
.qa-passage.qa-flash { background: rgba(250, 204, 21, .25); }
.qa-num { font-weight: 700; }
.qa-src { font-family: var(--font-mono); font-size: .8rem; overflow-wrap: anywhere; }
.qa-loc { color: var(--body-text-color-subdued); }
.qa-score { color: var(--body-text-color-subdued); font-size: .75rem; }
.qa-badge { font-size: .7rem; padding: 0 .35rem; border-radius: .5rem; background: rgba(250, 204, 21, .35); }
.qa-text { margin: .35rem 0; padding: .4rem .6rem; border-left: 3px solid var(--border-color-primary);
           white-space: pre-wrap; overflow-wrap: anywhere; font-size: .88rem; line-height: 1.5;
           max-height: 16rem; overflow-y: auto; }
mark.qa-hl { background: rgba(250, 204, 21, .55); color: inherit; padding: 0 .1rem; border-radius: .15rem; }
mark.qa-span { background: rgba(125, 211, 252, .3); color: inherit; }
.qa-open { font-size: .8rem; padding: .2rem .55rem; border-radius: .4rem; cursor: pointer;
           border: 1px solid var(--border-color-primary); background: var(--background-fill-primary);
           color: var(--body-text-color); overflow-wrap: anywhere; text-align: left; }
.qa-open:hover { border-color: var(--color-accent, #f97316); }

#qa-viewer .qa-doc-head h3 { margin: 0; font-size: 1rem; overflow-wrap: anywhere; }
#qa-viewer .qa-doc-head p { margin: .2rem 0 .5rem; font-size: .85rem; }
.qa-doc { max-height: 70vh; overflow-y: auto; border: 1px solid var(--border-color-primary); border-radius: .5rem;
          padding: .6rem .8rem; background: var(--background-fill-primary); }
.qa-doc-text { white-space: pre-wrap; overflow-wrap: anywhere; font-size: .88rem; line-height: 1.55; }

.qa-table-wrap { overflow-x: auto; }
.qa-table { width: 100%; border-collapse: collapse; font-size: .85rem; }
.qa-table th, .qa-table td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--border-color-primary);
                             vertical-align: top; }
.qa-table td.qa-name { font-family: var(--font-mono); overflow-wrap: anywhere; min-width: 9rem; }
.qa-table td:nth-child(2) { white-space: nowrap; }
.qa-uploads { margin: .25rem 0; padding-left: 1.1rem; font-size: .9rem; }

@media (max-width: 640px) {
  .gradio-container { padding: 0 .35rem !important; }
  #qa-transcript { max-height: none; overflow-y: visible !important; }
  .qa-a { padding: .6rem .6rem; }
  /* The documents table becomes one short block per file. */
  .qa-table thead { display: none; }
  .qa-table tr { display: block; padding: .45rem 0; border-bottom: 1px solid var(--border-color-primary); }
  .qa-table th, .qa-table td { display: inline; border: none; padding: 0 .6rem 0 0; }
  .qa-table td.qa-name { display: block; min-width: 0; }
  .qa-table td:nth-child(3)::after { content: " passages"; }
  .qa-table td:nth-child(4) { display: none; }
}
"""

# Clicks inside the transcript: [n] markers open their source; "Open ..." buttons ask the server
# for the document. The transcript's HTML has no handlers of its own.
TRANSCRIPT_JS = """
element.addEventListener('click', (event) => {
  const open = event.target.closest('button.qa-open');
  if (open && element.contains(open)) {
    event.preventDefault();
    trigger('open', {turn: Number(open.dataset.turn), passage: Number(open.dataset.passage)});
    return;
  }
  const jump = event.target.closest('a.qa-cite');
  if (jump && element.contains(jump)) {
    event.preventDefault();
    const target = element.querySelector('#' + CSS.escape(jump.dataset.jump));
    if (target) {
      target.open = true;
      target.scrollIntoView({block: 'nearest', behavior: 'smooth'});
      target.classList.add('qa-flash');
      setTimeout(() => target.classList.remove('qa-flash'), 1500);
    }
  }
});
watch('value', () => {
  const turns = element.querySelectorAll('.qa-turn');
  if (turns.length) turns[turns.length - 1].scrollIntoView({block: 'start', behavior: 'smooth'});
});
"""

# The document viewer scrolls to the cited span whenever it shows a document.
VIEWER_JS = """
watch('value', () => {
  setTimeout(() => {
    const mark = element.querySelector('#qa-target');
    if (mark) mark.scrollIntoView({block: 'center'});
  }, 60);
});
"""
