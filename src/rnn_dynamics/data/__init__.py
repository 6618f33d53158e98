"""Datasets: official release archives and a synthetic language, to encoded Parquet splits.

- :mod:`.archives`: the official releases, locating/downloading and checksum verification.
- :mod:`.members`, :mod:`.fetch`: safe streaming of archive members; resumable download.
- :mod:`.readers`: IMDB, Yelp polarity and SST straight from their archives.
- :mod:`.tokenize`, :mod:`.vocab`: PTB-compatible word tokens and the vocabulary.
- :mod:`.synthetic`: the synthetic sentiment language with known ground truth.
- :mod:`.prepare`: one dataset end to end, as the workflow's ``prepare_data`` step.
"""

from rnn_dynamics.data.archives import RELEASES, ArchiveInfo, Release, locate_archive
from rnn_dynamics.data.prepare import prepare_dataset, read_source, read_split, read_vocab
from rnn_dynamics.data.readers import read_imdb, read_sst, read_yelp
from rnn_dynamics.data.synthetic import SyntheticLanguage, effective_valence, generate
from rnn_dynamics.data.tokenize import tokenize
from rnn_dynamics.data.vocab import build_vocab, encode

__all__ = [
    "RELEASES",
    "ArchiveInfo",
    "Release",
    "SyntheticLanguage",
    "build_vocab",
    "effective_valence",
    "encode",
    "generate",
    "locate_archive",
    "prepare_dataset",
    "read_imdb",
    "read_source",
    "read_split",
    "read_sst",
    "read_vocab",
    "read_yelp",
    "tokenize",
]
