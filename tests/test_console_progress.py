"""What a workflow job shows on the console: one line per finished epoch and one when the job
is done, each naming its job; everything else stays in the job's log."""

from __future__ import annotations

import logging
import re

from rnn_dynamics.progress import duration
from rnn_dynamics.training import ModelConfig, TrainConfig, train_cell
from rnn_dynamics.workflow_glue import job_name, logged

from .test_training_loop import VOCAB, counting_task


def test_training_prints_one_line_per_epoch_and_one_when_done(tmp_path, capsys):
    log = tmp_path / "logs" / "train" / "synthetic" / "gru.log"
    log.parent.mkdir(parents=True)
    data = counting_task(120, 0), counting_task(40, 1), counting_task(40, 2)
    cfg = TrainConfig.from_dict({"epochs": 2, "batch_size": 32, "lr": 0.01, "patience": 5,
                                 "search_trials": 2,
                                 "search_space": {"lr": [0.001, 0.01]}})
    with logged(str(log)):
        train_cell(*data, arch="gru", vocab_size=VOCAB, model_cfg=ModelConfig(8, 8),
                   train_cfg=cfg, seed=0, device="cpu", work_dir=tmp_path / "w", progress=False)
    lines = capsys.readouterr().err.strip().splitlines()
    epochs = [line for line in lines if " epoch " in line]
    assert [re.search(r"trial \d/\d epoch \d/\d", line).group(0) for line in epochs] == [
        "trial 1/2 epoch 1/2", "trial 1/2 epoch 2/2", "trial 2/2 epoch 1/2", "trial 2/2 epoch 2/2"]
    for line in epochs:
        assert re.fullmatch(r"\d\d:\d\d:\d\d train synthetic/gru: trial \d/2 epoch \d/2: loss "
                            r"\d+\.\d{3}, valid acc \d+\.\d%, at most \d+ s left", line), line
    assert epochs[-1].endswith("at most 0 s left")
    assert re.fullmatch(r".* train synthetic/gru: done in \d+ s \(log: .*gru\.log\)", lines[-1])
    assert len(lines) == 5                                      # nothing else on the console
    text = log.read_text()
    assert "chose trial" in text and text.count("epoch 1/2") == 2   # the log keeps it all


def test_other_log_records_stay_in_the_log(tmp_path, capsys):
    log = tmp_path / "job.log"
    with logged(str(log)):
        logging.getLogger("rnn_dynamics.analysis").info("solver detail")
        logging.getLogger("rnn_dynamics.analysis").warning("a warning for the log")
    err = capsys.readouterr().err
    assert "solver detail" not in err and "a warning" not in err
    assert "solver detail" in log.read_text()


def test_job_names_and_durations_read_naturally():
    assert job_name("logs/train/imdb/gru.log") == "train imdb/gru"
    assert job_name("/x/logs/tables/accuracy.log") == "tables accuracy"
    assert [duration(s) for s in (4.2, 89, 300, 3900)] == ["4 s", "89 s", "5 min", "1 h 05 min"]
