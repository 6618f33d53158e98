"""rnn-dynamics: reverse-engineer recurrent networks trained on sentiment classification.

The library is usable without Snakemake; the workflow in ``workflow/`` only maps
config and file paths onto the functions here.
"""

__version__ = "0.1.0"
