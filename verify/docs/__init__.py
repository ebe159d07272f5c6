"""Formula documentation generated from the proofs (issue 12).

Every formula on a page is printed from the same SymPy objects that produce the references and the proofs —
a rule's ordered assignments, a schedule's expression, a derivation's steps — so a page cannot disagree with
what ``optverify check`` enforces.  One concept per module:

* ``notation``, ``printers``   symbol names as a reader writes them; MathML (presentation) and LaTeX printers
* ``model``                    the page model: headings, paragraphs, formulas, tables, algorithm boxes, figures
* ``algorithm``, ``conventions``, ``hyperparameters``   a rule's algorithm box, convention axes and parameters
* ``proofs``, ``frameworks``   status and timing from proving; framework rows from a ``crosscheck --json`` report
* ``plots``                    matplotlib figures (optional extra ``docs``)
* ``catalogue``                which pages exist, their families and ids
* ``page_*``                   one builder per kind of page
* ``html``, ``markdown``, ``latex``   the three renderers; ``site`` writes them

Entry point: ``verify.docs.site.build``.  matplotlib is imported lazily, only by ``plots``.
"""
