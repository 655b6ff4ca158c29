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

/* One scroll for the page: the transcript and the passages grow; only the open document scrolls. */
#qa-transcript { min-height: 12rem; overflow: visible !important; }
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
.qa-score { color: var(--body-text-color-subdued); font-size: .75rem; white-space: nowrap; }
.qa-meter { display: inline-block; width: 2.6rem; height: .4rem; border-radius: .2rem; vertical-align: middle;
            background: var(--neutral-200, #e5e7eb); overflow: hidden; }
.qa-meter > span { display: block; height: 100%; background: #94a3b8; }
.qa-strong .qa-meter > span, .qa-confidence .qa-meter > span { background: #16a34a; }
.qa-partial .qa-meter > span { background: #d97706; }
.qa-confidence { margin: 0 0 .35rem; font-size: .8rem; color: var(--body-text-color-subdued); }
.qa-searched { font-style: italic; }
.qa-legend { color: var(--body-text-color-subdued); font-size: .8rem; margin: 0 0 .4rem; }
.qa-badge { font-size: .7rem; padding: 0 .35rem; border-radius: .5rem; background: rgba(250, 204, 21, .35); }
.qa-text { margin: .35rem 0; padding: .4rem .6rem; border-left: 3px solid var(--border-color-primary);
           white-space: pre-wrap; overflow-wrap: anywhere; font-size: .88rem; line-height: 1.5; }
mark.qa-hl { background: rgba(250, 204, 21, .55); color: inherit; padding: 0 .1rem; border-radius: .15rem; }
mark.qa-span { background: rgba(125, 211, 252, .3); color: inherit; }
.qa-open { font-size: .8rem; padding: .2rem .55rem; border-radius: .4rem; cursor: pointer;
           border: 1px solid var(--border-color-primary); background: var(--background-fill-primary);
           color: var(--body-text-color); overflow-wrap: anywhere; text-align: left; }
.qa-open:hover { border-color: var(--color-accent, #f97316); }

/* The viewer stays in sight beside a long transcript (desktop); on a phone it follows it. Gradio's
   container clips with overflow: hidden, which makes it the sticky column's scroll box (one that
   never scrolls): the document scrolled away with the page and left "Close document" alone.
   overflow: clip clips the same without being a scroll box, so the column sticks to the window. */
.gradio-container { overflow: clip !important; }
#qa-viewer-col { position: sticky; top: .5rem; align-self: flex-start; }
#qa-viewer .qa-doc-head h3 { margin: 0; font-size: .95rem; overflow-wrap: anywhere; }
#qa-viewer .qa-title { font-weight: 600; }
#qa-viewer .qa-doc-head p { margin: .2rem 0 .5rem; font-size: .85rem; }
.qa-doc { max-height: calc(100vh - 10rem); overflow-y: auto; border: 1px solid var(--border-color-primary); border-radius: .5rem;
          padding: .6rem .8rem; background: var(--background-fill-primary); }
.qa-doc-text { white-space: pre-wrap; overflow-wrap: anywhere; font-size: .88rem; line-height: 1.55; }
/* A PDF citation: the rendered page beside the text, or above it when the viewer is narrow. */
.qa-views { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 300px), 1fr)); gap: .6rem;
            align-items: start; }
.qa-page { margin: 0; min-width: 0; }
.qa-page-box { max-height: 62vh; overflow: auto; border: 1px solid var(--border-color-primary);
               border-radius: .5rem; background: #fff; }  /* room for the text view below it */
/* At least 600 px across, so 10 pt print stays legible; a narrower box scrolls to the mark. */
.qa-page-img { position: relative; min-width: 600px; }
.qa-page-img img { display: block; width: 100%; height: auto; }
.qa-page-mark { position: absolute; width: 1px; height: 1px; }
.qa-page figcaption { font-size: .8rem; margin: .25rem 0 0; }

.qa-table-wrap { overflow-x: auto; }
.qa-table { width: 100%; border-collapse: collapse; font-size: .85rem; }
.qa-table th, .qa-table td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--border-color-primary);
                             vertical-align: top; }
.qa-table td.qa-name { font-family: var(--font-mono); overflow-wrap: anywhere; min-width: 9rem; }
.qa-table td:nth-child(2) { white-space: nowrap; }
.qa-uploads { margin: .25rem 0; padding-left: 1.1rem; font-size: .9rem; }
.qa-folder { font-size: .85rem; margin: 0 0 .4rem; }
.qa-path { font-family: var(--font-mono); overflow-wrap: anywhere; }
.qa-actions { white-space: nowrap; }
.qa-remove, .qa-confirm button { font-size: .75rem; padding: .1rem .45rem; border-radius: .35rem; cursor: pointer;
             border: 1px solid var(--border-color-primary); background: var(--background-fill-primary);
             color: var(--body-text-color); }
.qa-confirm { font-size: .8rem; white-space: normal; }
.qa-confirm .qa-delete { border-color: #b91c1c; color: #b91c1c; }
.qa-sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
/* Gradio's footer separator, left dangling when the footer shows only "Use via API". */
footer .divider:last-child, footer .divider:first-child { display: none; }

@media (max-width: 640px) {
  .gradio-container { padding: 0 .35rem !important; }
  #qa-viewer-col { position: static; }
  .qa-doc { max-height: 70vh; }
  .qa-a { padding: .6rem .6rem; }
  /* The documents table becomes one short block per file. */
  .qa-table thead { display: none; }
  .qa-table tr { display: block; padding: .45rem 0; border-bottom: 1px solid var(--border-color-primary); }
  .qa-table th, .qa-table td { display: inline; border: none; padding: 0 .6rem 0 0; }
  .qa-table td.qa-name { display: block; min-width: 0; }
  .qa-table td:nth-child(3)::after { content: " passages"; }
  .qa-table td:nth-child(4) { display: none; }
  .qa-table td.qa-actions { display: block; padding-top: .25rem; }
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

# The document viewer shows the cited sentence as soon as it opens: it waits until the viewer is
# laid out (on the first click its hidden column is only now mounted), scrolls the document box to
# the highlight, then the page if the highlight is still out of sight (on a phone the viewer sits
# below the chat).
VIEWER_JS = """
const reveal = (tries) => {
  const text = element.querySelector('.qa-doc mark.qa-hl') || element.querySelector('#qa-target');
  const box = element.querySelector('.qa-page-box');  // a PDF citation's rendered page
  if (!text && !box) return;
  if ((text && (!text.getClientRects().length || !text.closest('.qa-doc').clientHeight)) || (box && !box.clientHeight)) {
    if (tries < 60) setTimeout(() => reveal(tries + 1), 50);
    return;
  }
  if (text) {
    const doc = text.closest('.qa-doc');
    const d = doc.getBoundingClientRect(), m = text.getBoundingClientRect();
    doc.scrollTop += (m.top - d.top) - Math.max(0, doc.clientHeight - m.height) / 3;
  }
  const pin = box && box.querySelector('.qa-page-mark');
  if (pin) {
    box.scrollTop = pin.offsetTop - box.clientHeight / 3;
    box.scrollLeft = pin.offsetLeft - box.clientWidth / 8;
  }
  const mark = box ? (pin || box) : text;  // the page comes first when there is one
  const visible = (r) => r.top >= 0 && r.bottom <= window.innerHeight;
  if (visible(mark.getBoundingClientRect())) return;
  const column = element.closest('#qa-viewer-col') || element;
  window.scrollBy({top: column.getBoundingClientRect().top - 8, behavior: 'instant'});
  const r = mark.getBoundingClientRect();
  if (!visible(r)) window.scrollBy({top: r.top - Math.max(0, window.innerHeight - r.height) / 3, behavior: 'instant'});
};
watch('value', () => reveal(0));
reveal(0);  // the viewer mounts on its first use, already holding the document: no change to watch
"""

# Removing a document takes two clicks: "Remove…" asks, "Delete file" does it.
DOCUMENTS_JS = """
element.addEventListener('click', (event) => {
  const ask = event.target.closest('button.qa-remove');
  if (ask && element.contains(ask)) {
    const cell = ask.parentElement;
    const box = document.createElement('span');
    box.className = 'qa-confirm';
    box.append('Delete ' + ask.dataset.source + ' from the documents folder? ');
    const yes = document.createElement('button');
    yes.type = 'button'; yes.className = 'qa-delete'; yes.textContent = 'Delete file';
    yes.dataset.source = ask.dataset.source;
    const no = document.createElement('button');
    no.type = 'button'; no.className = 'qa-cancel'; no.textContent = 'Cancel';
    box.append(yes, ' ', no);
    ask.replaceWith(box);
    return;
  }
  const yes = event.target.closest('button.qa-delete');
  if (yes && element.contains(yes)) {
    yes.disabled = true;
    trigger('delete', {source: yes.dataset.source});
    return;
  }
  const no = event.target.closest('button.qa-cancel');
  if (no && element.contains(no)) {
    const box = no.closest('.qa-confirm');
    const again = document.createElement('button');
    again.type = 'button'; again.className = 'qa-remove'; again.textContent = 'Remove…';
    again.dataset.source = box.querySelector('.qa-delete').dataset.source;
    box.replaceWith(again);
  }
});
"""

# After an upload the message says "press Rebuild index": bring the button into sight (the file
# list above it grows with every upload and pushed it below the fold).
UPLOAD_MSG_JS = """
watch('value', () => {
  const button = document.querySelector('#qa-rebuild');
  if (!button || !element.textContent.includes('Rebuild index')) return;
  requestAnimationFrame(() => button.scrollIntoView({block: 'nearest', behavior: 'instant'}));
});
"""
