"""The per-job logging wrapper every workflow script runs in."""

from __future__ import annotations

import logging

import pytest

from rnn_dynamics.errors import DataError
from rnn_dynamics.workflow_glue import logged


def test_log_keeps_our_messages_and_drops_font_subsetting_chatter(tmp_path):
    path = tmp_path / "job.log"
    with logged(str(path)):
        logging.getLogger("fontTools.subset").info("GPOS pruned")
        logging.getLogger("rnn_dynamics.training").info("epoch 1 done")
    text = path.read_text()
    assert "epoch 1 done" in text and "GPOS pruned" not in text


def test_a_user_mistake_ends_the_job_with_one_line_and_no_traceback(tmp_path, capsys):
    path = tmp_path / "job.log"
    with pytest.raises(SystemExit) as exit_info:
        with logged(str(path)):
            raise DataError("archive aclImdb_v1.tar.gz is truncated")
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err.strip() == "rnn-dynamics: archive aclImdb_v1.tar.gz is truncated"
    assert "Traceback" not in path.read_text()
