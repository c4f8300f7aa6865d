"""The applications that train the guide's models (Projects 1-3, 5): data sets, the training recipe, plots, ./train."""
