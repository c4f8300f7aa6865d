"""aifund-mutants: single-point mutants of an implementation, run on the items that need what they change.

Measures how strong a selection of items is: the share of machine-made mutants that some item kills. Never
imports the implementation it mutates; mutants run through the ordinary conformance run (worker, sandbox).
"""
