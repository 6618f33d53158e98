"""File-level stage functions: read a stage's inputs, call the library, write its outputs.

The workflow scripts call exactly one of these each; a researcher without Snakemake can call
them too, or use the library functions they wrap directly.
"""
