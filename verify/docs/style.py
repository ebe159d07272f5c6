"""The site's one stylesheet, inlined in every page (no CDN, nothing fetched): readable in light and dark."""

CSS = """
:root { color-scheme: light dark; --fg: #1b1b1f; --bg: #fdfdfd; --muted: #5b5f66; --line: #d6d8dc;
        --box: #f3f5f8; --accent: #0b5cad; --bad: #b00020; --good: #1b7f3a; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6e6e9; --bg: #15171a; --muted: #a4a9b1; --line: #3a3f46; --box: #1f2328; --accent: #7db4ff;
          --bad: #ff7b8a; --good: #6fd38f; }
}
html { background: var(--bg); color: var(--fg); }
body { font: 16px/1.5 system-ui, sans-serif; max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
a { color: var(--accent); }
nav { font-size: .9rem; color: var(--muted); border-bottom: 1px solid var(--line); padding-bottom: .4rem; }
h1 { font-size: 1.6rem; margin: .8rem 0 .4rem; }
h2 { font-size: 1.2rem; margin-top: 1.6rem; border-bottom: 1px solid var(--line); }
code { font-size: .9em; background: var(--box); padding: 0 .2em; border-radius: 3px; }
math { font-size: 1.2em; }
table { border-collapse: collapse; margin: .6rem 0; width: 100%; }
th, td { border: 1px solid var(--line); padding: .3rem .5rem; vertical-align: top; text-align: left; }
th { background: var(--box); font-weight: 600; }
td { overflow-wrap: break-word; }
table.steps td:nth-child(3) { overflow-x: auto; max-width: 40rem; }
.algorithm { background: var(--box); border: 1px solid var(--line); border-radius: 6px; padding: .6rem 1rem;
             margin: .6rem 0; overflow-x: auto; }
.algorithm figcaption { color: var(--muted); font-size: .9rem; }
.algorithm ol > li { margin: .5rem 0; }
.algorithm ul.alternatives { list-style: none; padding-left: 1.2rem; margin: .2rem 0;
                             border-left: 3px solid var(--line); font-size: .95rem; }
.algorithm .axis { color: var(--muted); }
.plot { margin: .8rem 0; }
.plot svg { background: #fff; border-radius: 6px; max-width: 100%; height: auto; }
.plot figcaption { color: var(--muted); font-size: .9rem; }
.failed { color: var(--bad); font-weight: 600; }
footer { margin-top: 3rem; color: var(--muted); font-size: .85rem; }
"""
